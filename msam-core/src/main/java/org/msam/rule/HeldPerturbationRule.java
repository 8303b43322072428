package org.msam.rule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.msam.updater.HeldPerturbationUpdater;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The phases shared by the rules whose perturbation is known before the step's pass (MSAM, the gradient-free
 * perturbations of {@link FreePerturbationRule}): docs/ALGORITHMS.md, "MSAM update handed to DL4J".
 * <pre>
 *   before the step's pass (the host's {@link #toHeld}):  the step's perturbation from the state at θ, if the rule
 *                              derives it then ({@link #prepare}: MSAM), and θ̃ from each block's updater
 *   in each block's updater:   θ from θ̃, then the base step (the step lands on θ)
 *   after the step:            the subclass's {@link #afterStep} (the gradient-free directions: the next e)
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
     * The distinct updaters of a model's variables, checked: every variable uses the rule's updater, and with the same
     * perturbation settings (the perturbation is global).
     *
     * @param variables    every trainable variable of the model
     * @param type         the rule's updater class
     * @param wrongUpdater the refusal for a variable with another updater
     * @param mismatch     the refusal for a variable whose settings differ from the rule's, or null when they agree
     * @param none         the refusal for a model without trainable variables
     * @param <U>          the rule's updater
     * @return the updaters, each once, in the variables' order
     * @throws IllegalStateException with the refusal
     */
    static <U> List<U> distinctUpdaters(List<Variable> variables, Class<U> type,
                                        Function<Variable, String> wrongUpdater,
                                        BiFunction<Variable, U, String> mismatch, String none) {
        Map<U, Boolean> seen = new IdentityHashMap<>();
        List<U> us = new ArrayList<>();
        for (Variable v : variables) {
            if (!type.isInstance(v.updater())) {
                throw new IllegalStateException(wrongUpdater.apply(v));
            }
            U u = type.cast(v.updater());
            String refused = mismatch.apply(v, u);
            if (refused != null) {
                throw new IllegalStateException(refused);
            }
            if (seen.put(u, Boolean.TRUE) == null) {
                us.add(u);
            }
        }
        if (us.isEmpty()) {
            throw new IllegalStateException(none);
        }
        return us;
    }

    /**
     * @param iteration the step's iteration
     * @param epoch     its epoch
     * @return ρ_t
     * @throws ArithmeticException when the ρ schedule gives a non-finite value, naming it
     */
    abstract double rhoAt(int iteration, int epoch);

    /**
     * Derives the perturbation of the step of {@code iteration} from the state at θ, before the blocks move (the
     * default: nothing, the perturbation was derived after the previous step).
     *
     * @param iteration the step's iteration
     * @param epoch     its epoch
     * @throws ArithmeticException when the state is not finite
     */
    void prepare(int iteration, int epoch) {
    }

    /**
     * Reads the step's ρ_t and every block's η_t first, so that a schedule returning a non-finite value refuses the
     * step before any parameter or state changes (the host then moves the model back to θ), then moves the model to
     * θ̃ if it holds θ (which it does when the host did not call {@link #toHeld} before the pass).
     *
     * @return true when the model was moved
     * @throws ArithmeticException when ρ_t or a block's η_t is not finite, naming the schedule
     */
    @Override
    public final boolean beforeStepGradient(Host host, int iteration, int epoch) {
        rhoAt(iteration, epoch);
        RuleChecks.requireFiniteLearningRates(name(), updaters, iteration, epoch);
        if (isPerturbed()) {
            return false;
        }
        toHeld(iteration, epoch);
        return isPerturbed();
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
    public final void toHeld(int iteration, int epoch) {
        if (isPerturbed()) {
            return;
        }
        prepare(iteration, epoch);
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
