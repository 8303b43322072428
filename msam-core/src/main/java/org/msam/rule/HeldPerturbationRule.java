package org.msam.rule;

import java.util.List;

import org.msam.updater.HeldPerturbationUpdater;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The phases shared by the rules whose perturbation is known before the step's pass (MSAM, the gradient-free
 * perturbations of {@link FreePerturbationRule}): docs/ALGORITHMS.md, "MSAM update handed to DL4J".
 * <pre>
 *   before the step's pass (the host's {@link #toHeld()}):  θ̃, from each block's updater
 *   in each block's updater:   θ from θ̃, then the base step (the step lands on θ)
 *   after the step:            the next step's perturbation, from the state at θ (the subclass's {@link #afterStep})
 * </pre>
 * The step gradient is used as the host computed it: {@link #stepGradientReady} does nothing.
 *
 * @param <U> the rule's per-block updater
 */
abstract class HeldPerturbationRule<U extends GradientUpdater<?> & HeldPerturbationUpdater> implements SharpnessRule {
    /** The distinct updaters, one per DL4J block or SameDiff variable. */
    final List<U> updaters;

    /** @param updaters the distinct updaters of the model, at least one */
    HeldPerturbationRule(List<U> updaters) {
        this.updaters = List.copyOf(updaters);
    }

    /**
     * @param iteration the step's iteration
     * @param epoch     its epoch
     * @return ρ_t
     * @throws ArithmeticException when the ρ schedule gives a non-finite value, naming it
     */
    abstract double rhoAt(int iteration, int epoch);

    /** @return false when the coming step's perturbation is zero (MSAM before its first step: c = 0) */
    boolean hasPerturbation() {
        return true;
    }

    /**
     * Reads the step's ρ_t and every block's η_t first, so that a schedule returning a non-finite value refuses the
     * step before any parameter or state changes (the host then moves the model back to θ), then moves the model to
     * θ̃ if it holds θ.
     *
     * @return true when the model was moved
     * @throws ArithmeticException when ρ_t or a block's η_t is not finite, naming the schedule
     */
    @Override
    public final boolean beforeStepGradient(Host host, int iteration, int epoch) {
        rhoAt(iteration, epoch);
        RuleChecks.requireFiniteLearningRates(name(), updaters, iteration, epoch);
        if (isPerturbed() || !hasPerturbation()) {
            return false;
        }
        toHeld();
        return true;
    }

    @Override
    public final void stepGradientReady(Host host, int i) {
        // Each block's updater removes the perturbation itself, after DL4J's coupled decay at θ̃.
    }

    @Override
    public final void toTrue() {
        for (U u : updaters) {
            u.removePerturbation();
        }
    }

    @Override
    public final void toHeld() {
        for (U u : updaters) {
            u.applyPerturbation();
        }
    }

    @Override
    public final boolean isPerturbed() {
        for (U u : updaters) {
            if (u.holdsOtherWeights()) {
                return true;
            }
        }
        return false;
    }
}
