package org.msam.updater;

/**
 * The per-block half of a rule whose perturbation is known before the step's pass ({@link MsamUpdater}: θ̃ = θ − c·v;
 * {@link FreePerturbationUpdater}: θ̃ = θ + e): it moves its block's parameters between θ and θ̃. The rule decides
 * when; the moves are the updater's, and so is the record of which weights the block holds.
 */
public interface HeldPerturbationUpdater {
    /** θ̃ from θ, if the block holds θ (idempotent). */
    void applyPerturbation();

    /** θ from θ̃, if the block holds θ̃ (idempotent). */
    void removePerturbation();

    /** @return true while the block's parameters hold weights other than θ */
    boolean holdsOtherWeights();
}
