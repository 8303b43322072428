/**
 * Updater state ({@link org.nd4j.linalg.learning.GradientUpdater}) for the configurations of
 * {@link org.msam.config}: each lives in a slice of the model's flat updater-state array, so the
 * state is saved and restored with the model.
 *
 * <p>Sign convention: {@code applyUpdater} turns the gradient into the update {@code u} in place and
 * the caller applies {@code params -= u}. Updaters that must see the parameters (AdamW's decoupled
 * weight decay, MSAM's perturbation) are bound to parameter views by the training listeners of
 * {@code msam-dl4j} and refuse to run when they were not.
 */
package org.msam.updater;
