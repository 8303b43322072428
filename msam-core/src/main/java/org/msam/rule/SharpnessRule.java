package org.msam.rule;

import java.util.Set;

/**
 * The phases of one training step of a sharpness-aware rule, as a driver calls them on any host. The rule holds
 * the maths (docs/ALGORITHMS.md); the driver maps the host's callbacks onto these phases and decides nothing else.
 *
 * <p>A step, in order:
 * <ol>
 *   <li>{@link #beforeStepGradient}: before the gradient that drives the base step is taken. The rule may read
 *       the gradient at the weights held ({@link Host#gradient(int)}) and move the weights (SAM's ascent, MSAM's
 *       perturbation). Returns true when it moved them; a host that has already computed a gradient then calls
 *       {@link Host#recomputeGradient()} (or {@link Host#recomputeGradient(int[])} on the {@link #stepSamples()}).</li>
 *   <li>{@link #stepGradientReady} for each variable, once the step gradient of that variable exists and before
 *       the base optimizer consumes it (SAM restores θ there).</li>
 *   <li>the base optimizer's step, by the host (DL4J's updater, {@code params -= update}).</li>
 *   <li>{@link #afterStep}: after every variable was stepped (LookSAM's and the gradient-free directions' state).</li>
 * </ol>
 * Between steps a host keeps the true weights θ ({@link #toTrue()}): it moves the model to the weights the step's
 * gradient is taken at ({@link #toHeld}) just before the step's forward pass (DL4J networks, in the solver's hook;
 * SameDiff, in {@code iterationStart}), and the step lands on θ.
 */
public interface SharpnessRule {
    /**
     * @param host      the model
     * @param iteration the iteration of this step
     * @param epoch     its epoch
     * @return true when the weights were moved, so that a gradient already computed is no longer the step's
     * @throws ArithmeticException when a gradient the rule needs is not finite; nothing was changed then
     */
    boolean beforeStepGradient(Host host, int iteration, int epoch);

    /**
     * @param host the model
     * @param i    the variable whose step gradient is ready, by index in {@link Host#variables()}
     */
    void stepGradientReady(Host host, int i);

    /**
     * @param host      the model
     * @param iteration the iteration of the step just taken
     * @param epoch     its epoch
     * @throws ArithmeticException when the optimizer state became non-finite
     */
    void afterStep(Host host, int iteration, int epoch);

    /** Moves the model to the true weights θ (idempotent). */
    void toTrue();

    /**
     * Moves the model to the weights the gradient of the step of {@code iteration} is taken at, when the rule knows
     * them before the step's pass (MSAM's θ̃, from the state at θ and the step's ρ; the other rules keep θ),
     * idempotent.
     *
     * @param iteration the coming step's iteration (a DL4J network's iteration count between steps)
     * @param epoch     its epoch
     * @throws ArithmeticException when the state it derives the weights from is not finite; nothing moved then
     */
    void toHeld(int iteration, int epoch);

    /** @return true while the model holds weights other than θ */
    boolean isPerturbed();

    /**
     * @return what the rule needs from its host: its configuration's {@link SharpnessAwareConfig#needs()} (a step
     *     pass at held weights, a second pass, a term added to the step gradient, per-sample losses, a teacher)
     */
    Set<Need> needs();

    /**
     * @return the samples of the mini-batch the step gradient is to be taken on, after {@link #beforeStepGradient}
     *     returned true: indices into the mini-batch, ascending ({@link Host#recomputeGradient(int[])}), or null for
     *     every sample ({@link Host#recomputeGradient()})
     */
    default int[] stepSamples() {
        return null;
    }

    /**
     * @return the teacher the rule distils from, which the host must run and whose term it must add to the gradient of
     *     the loss with respect to the output layer's logits (MESA), or null (the default): the rule needs no teacher
     */
    default Distillation distillation() {
        return null;
    }

    /**
     * @return c when the rule perturbs along the base optimizer's momentum, θ̃ = θ − c·v (MSAM; what {@code
     *     MsamDiagnostics} records), or NaN (the default)
     */
    default double momentumScale() {
        return Double.NaN;
    }

    /** @return the rule's name for messages: "SAM", "MSAM", … */
    String name();
}
