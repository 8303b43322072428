package org.msam.rule;

/**
 * What a rule needs from the host that trains with it, declared once, by its configuration ({@link
 * SharpnessAwareConfig#needs()}, as ND4J's {@code Regularization.ApplyStep} declares when a regularization applies).
 * A driver reads them from the running rule ({@link SharpnessRule#needs()}), the registry's {@link
 * org.msam.rules.RuleSpec} from the configuration its entry builds; a host, a command line or a test reads these
 * instead of asking which rule it holds.
 */
public enum Need {
    /** A second forward and backward pass per step, at the perturbed weights θ + ε (SAM's ascent step). */
    SECOND_PASS,
    /**
     * The step's pass is taken at weights other than θ that the rule knows before the pass (MSAM's θ̃ = θ − c·v, the
     * gradient-free perturbations of paper A.6). The host moves the model there before the step's forward pass; when
     * it had to take a pass at θ first, the pass at θ̃ replaces it as the iteration's only one ({@link
     * Host#redoGradient()}), as in the uninterrupted trajectory. What the pass leaves behind (BatchNorm's running
     * statistics) is that of θ̃, so it is recomputed at θ after training.
     */
    HELD_PERTURBATION,
    /**
     * A base optimizer with momentum &gt; 0: the perturbation runs along the momentum v, and MSAM's diagnostics
     * (cos(v, g), the loss at θ and θ̃) apply.
     */
    BASE_MOMENTUM,
    /** Normalisation layers (BatchNorm, LayerNorm): only their γ and β are perturbed. */
    NORMALIZATION_LAYERS,
    /**
     * A term added to the step gradient after its pass (LookSAM's g_v between SAM steps): a host that must know the
     * step gradient's global norm before the first variable is stepped (SameDiff's clipping) cannot compute it ahead.
     */
    STEP_GRADIENT_TERM,
    /** Per-sample losses of the mini-batch and passes on part of it (ESAM's sample selection). */
    SAMPLE_LOSSES,
    /**
     * A forward pass of a teacher (the EMA of the weights) and a term added to the gradient with respect to the
     * output layer's logits (MESA's distillation).
     */
    TEACHER_FORWARD
}
