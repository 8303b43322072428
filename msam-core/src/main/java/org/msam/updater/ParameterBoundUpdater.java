package org.msam.updater;

import java.util.List;
import java.util.function.IntPredicate;

import org.msam.rule.Variable;

/**
 * An updater that acts on the weights themselves (AdamW's decoupled decay, the removal of MSAM's perturbation) or
 * whose step is only meaningful inside a driver's step (SAM's second pass), which a DL4J {@code GradientUpdater}
 * cannot arrange alone. msam-dl4j's driver binds it once to the variables it steps; an updater that was not bound,
 * or whose driver did not prepare the iteration it is asked to run, refuses with a message that says how to
 * install the driver.
 */
public interface ParameterBoundUpdater {
    /**
     * Binds the updater to the variables it steps.
     *
     * @param variables the variables of this updater's block (a DL4J updater block's, in block order; one
     *                  SameDiff variable)
     * @param prepared  true for the iteration the driver has prepared: {@code applyUpdater} refuses the others
     */
    void bind(List<Variable> variables, IntPredicate prepared);

    /**
     * @param updater   the updater to bind, if it needs binding
     * @param variables its variables
     * @param prepared  the driver's prepared-iteration test
     */
    static void bindIfBound(Object updater, List<Variable> variables, IntPredicate prepared) {
        if (updater instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) updater).bind(variables, prepared);
        }
    }

    /**
     * @throws IllegalStateException the message saying how to install the driver, when {@code prepared} is null or
     *                               false for {@code iteration}
     */
    static void requirePrepared(IntPredicate prepared, int iteration, String what) {
        if (prepared == null || !prepared.test(iteration)) {
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
