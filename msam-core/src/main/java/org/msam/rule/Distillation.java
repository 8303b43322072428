package org.msam.rule;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a rule that distils from a teacher model needs from a host (MESA, docs/ALGORITHMS.md section "MESA"): a
 * forward-only pass of the teacher weights θ_ema on the mini-batch being trained, in inference mode, and the term
 * {@code ∂ℓ/∂z += λ·τ·(softmax(z/τ) − softmax(z_ema/τ))} added to the output layer's per-sample loss gradient
 * ({@link MesaRule#addDistillationGradient}). A rule declares it through {@link SharpnessRule#distillation()}; a
 * host that cannot add to the loss gradient (SameDiff) refuses such a rule.
 */
public interface Distillation {
    /**
     * @param epoch the 0-based epoch of the step
     * @return true when the step's loss carries the distillation term
     */
    boolean distills(int epoch);

    /**
     * @param i the variable's index in the rule's variables
     * @return the teacher weights of variable {@code i} (after {@link #startTeacher()})
     */
    INDArray teacher(int i);

    /** Sets the teacher weights of a new model to θ (its first step); idempotent. */
    void startTeacher();

    /** @return λ, the weight of the term */
    double lambda();

    /** @return τ, the temperature of both softmaxes */
    double temperature();
}
