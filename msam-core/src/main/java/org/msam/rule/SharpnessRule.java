package org.msam.rule;

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
 *   <li>{@link #afterStep}: after every variable was stepped (MSAM's new c).</li>
 * </ol>
 * Between steps a host keeps the true weights θ ({@link #toTrue()}): it moves the model to the weights the step's
 * gradient is taken at ({@link #toHeld()}) just before the step's forward pass (DL4J networks, in the solver's hook;
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
     * Moves the model to the weights the next step's gradient is taken at, when the rule knows them before the step's
     * pass (MSAM's θ̃; the other rules keep θ), idempotent.
     */
    void toHeld();

    /** @return true while the model holds weights other than θ */
    boolean isPerturbed();

    /**
     * @return true when the step's own pass is taken away from θ ({@link #toHeld()} moves the model there before
     *     it: MSAM's θ̃), so that what the pass leaves behind (BatchNorm's running statistics) is not that of θ
     */
    boolean holdsPerturbation();

    /**
     * @return true when {@link #stepGradientReady} changes the step gradient (LookSAM adds its g_v term): a host that
     *     must know the step gradient's global norm before the first variable is stepped (SameDiff's clipping) cannot
     *     compute it ahead then
     */
    default boolean changesStepGradient() {
        return false;
    }

    /**
     * @return true when the pass that {@link #beforeStepGradient} asks for replaces the iteration's first pass instead
     *     of following it ({@link Host#redoGradient()}): MSAM, whose first pass only happens at θ when the model was
     *     moved to θ between steps, while the uninterrupted trajectory's only pass is at θ̃. False (the default):
     *     the new pass is a second one, and BatchNorm's running statistics and the reported score stay those of the
     *     first (SAM's pass at θ)
     */
    default boolean stepPassReplacesFirst() {
        return false;
    }

    /**
     * @return the samples of the mini-batch the step gradient is to be taken on, after {@link #beforeStepGradient}
     *     returned true: indices into the mini-batch, ascending ({@link Host#recomputeGradient(int[])}), or null for
     *     every sample ({@link Host#recomputeGradient()})
     */
    default int[] stepSamples() {
        return null;
    }

    /**
     * @return true when the rule asks the host for per-sample losses and passes on part of a mini-batch (ESAM's
     *     sample selection), which a host whose loss is already reduced over the mini-batch cannot give
     */
    default boolean needsSampleLosses() {
        return false;
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
