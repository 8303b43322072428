package org.msam.updater;

import java.util.List;

import org.msam.rule.Variable;

/**
 * An updater that acts on the weights themselves (AdamW's decoupled decay, the removal of MSAM's perturbation) or
 * whose step is only meaningful inside a driver's step (SAM's second pass), which a DL4J {@code GradientUpdater}
 * cannot arrange alone. msam-dl4j's driver binds it once to the variables it steps; an updater that was not bound,
 * or whose driver did not prepare the iteration it is asked to run, refuses with a message that says how to
 * install the driver.
 */
public interface ParameterBoundUpdater {
    /** The prepared iteration before the driver has prepared any: {@value}. */
    int NONE = Integer.MIN_VALUE;

    /**
     * Binds the updater to the variables it steps.
     *
     * @param variables the variables of this updater's block (a DL4J updater block's, in block order; one
     *                  SameDiff variable)
     */
    void bind(List<Variable> variables);

    /**
     * The driver has prepared the step of {@code iteration}: {@code applyUpdater} runs for that iteration and refuses
     * the others. Pushed by the driver once per step, before the host's updater runs.
     *
     * @param iteration the iteration the driver has prepared
     */
    void prepare(int iteration);

    /**
     * @param updater   the updater to bind, if it needs binding
     * @param variables its variables
     */
    static void bindIfBound(Object updater, List<Variable> variables) {
        if (updater instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) updater).bind(variables);
        }
    }

    /**
     * @param updater   the updater to prepare, if it needs preparing
     * @param iteration the iteration the driver has prepared
     */
    static void prepareIfBound(Object updater, int iteration) {
        if (updater instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) updater).prepare(iteration);
        }
    }

    /**
     * @throws IllegalStateException the message saying how to install the driver, when {@code prepared} is not
     *                               {@code iteration}
     */
    static void requirePrepared(int prepared, int iteration, String what) {
        if (prepared != iteration) {
            throw new IllegalStateException(what + " ran without its training driver at iteration " + iteration
                    + ". Call SharpnessAware.install(net) from msam-dl4j after net.init() (and again after restoring"
                    + " a saved model; SharpnessAware.install(sameDiff) for SameDiff; DecoupledWeightDecay.install"
                    + " for a plain AdamW), and pass your own listeners to install(...) instead of"
                    + " net.setListeners(...). For data-parallel training build the trainer with"
                    + " SharpnessAware.parallelWrapper(net) (ParallelWrapper) or SharpnessAwareSpark.parameterAveraging"
                    + " (msam-spark), which install it on every worker's copy.");
        }
    }
}
