package org.msam.dl4j;

import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The listener {@link SharpnessAware#install(SameDiff)} adds to a SameDiff instance: it runs SAM's first pass or
 * MSAM's perturbation around the iterations of {@code sd.fit(...)}.
 *
 * <p>Between iterations the variables hold the true weights θ, for SAM and for MSAM alike: after {@code fit}
 * returns, in {@code epochStart}, {@code epochEnd}, {@code iterationDone} and during validation, and in anything
 * saved or evaluated between {@code fit} calls. The perturbed weights exist only from this listener's
 * {@code iterationStart} until each variable's gradient has been computed (listeners called after this one in
 * {@code iterationStart}, and op-level callbacks, see them).
 *
 * <p>Active for {@link Operation#TRAINING} only. One instance belongs to one SameDiff instance; install it again on
 * a model loaded from disk (the listener is not saved, the optimizer state is).
 */
public abstract class SameDiffSharpnessAwareListener extends BaseListener {
    final SameDiffBinding binding;

    SameDiffSharpnessAwareListener(SameDiff sd) {
        this.binding = new SameDiffBinding(sd);
    }

    /** @return the SameDiff instance this listener trains */
    public SameDiff sameDiff() {
        return binding.sd;
    }

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    /** Validates the configuration and binds to the updaters, if SameDiff has created them. */
    abstract void bind();

    /** @return true while some variable holds perturbed weights */
    abstract boolean isPerturbed();

    /** Moves every variable to θ. */
    abstract void removePerturbation();

    /** Moves the variables that {@link #removePerturbation()} restored in the middle of an iteration back. */
    abstract void applyPerturbation();

    /** @return "SAM" or "MSAM" */
    abstract String algorithm();
}
