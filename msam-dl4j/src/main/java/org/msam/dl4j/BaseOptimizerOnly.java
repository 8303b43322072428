package org.msam.dl4j;

import java.util.EnumSet;
import java.util.Set;

import org.msam.rule.Host;
import org.msam.rule.Need;
import org.msam.rule.SharpnessRule;

/**
 * The driver's rule for a network without a sharpness-aware updater, installed for gradient accumulation ({@link
 * Accumulation}): every phase is empty, so each step is the base optimizer's (DL4J's updater) on the step gradient, at
 * θ. The driver still binds the library's updaters that act on the weights (AdamW's decoupled decay), as {@link
 * DecoupledWeightDecay} does.
 */
final class BaseOptimizerOnly implements SharpnessRule {
    @Override
    public boolean beforeStepGradient(Host host, int iteration, int epoch) {
        return false;
    }

    @Override
    public void stepGradientReady(Host host, int i) {
    }

    @Override
    public void afterStep(Host host, int iteration, int epoch) {
    }

    @Override
    public void toTrue() {
    }

    @Override
    public void toHeld(int iteration, int epoch) {
    }

    @Override
    public boolean isPerturbed() {
        return false;
    }

    /** @return nothing: the base optimizer's step only */
    @Override
    public Set<Need> needs() {
        return EnumSet.noneOf(Need.class);
    }

    @Override
    public String name() {
        return "the base optimizer";
    }
}
