package org.msam.rule;

import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a rule may ask of the model it trains: its trainable variables, the gradient of the mini-batch being
 * trained, and a new gradient at the weights the model holds now. msam-dl4j implements it for DL4J networks and
 * for SameDiff.
 */
public interface Host {
    /** @return the trainable variables, in a fixed order */
    List<Variable> variables();

    /**
     * The gradient of variable {@code i} on the current mini-batch, at the weights the model held when it was
     * computed: the host's own pass if there was one, otherwise computed on demand at the weights held now. It is
     * a flat view that the rule may overwrite (the host does not reuse it after {@link #recomputeGradient()}).
     * Inside {@link SharpnessRule#stepGradientReady} it is the step gradient of variable {@code i}, which the base
     * optimizer consumes next: writing to it changes the step.
     *
     * @param i the variable's index in {@link #variables()}
     * @return a flat array of the variable's length, or null when the variable does not affect the loss
     */
    INDArray gradient(int i);

    /**
     * @return the factor that turns {@link #gradient(int)} into the gradient of the mean mini-batch loss (a DL4J
     *     network's gradient is a sum over the mini-batch: 1/B there; 1 for SameDiff's mean loss)
     */
    double gradientScale();

    /**
     * Runs the forward/backward pass again, on the same mini-batch, at the weights the model holds now; {@link
     * #gradient(int)} then returns the new gradient. The pass is internal: BatchNorm running statistics and the
     * score reported for the iteration keep the values of the iteration's first pass, and the user's listeners do
     * not see it.
     */
    void recomputeGradient();

    /**
     * Runs the iteration's pass again, on the same mini-batch, at the weights the model holds now, as if it had been
     * the iteration's only pass: the gradient, BatchNorm's running-statistics update and the score reported for the
     * iteration are those of the new pass (what a rule that needs {@link Need#HELD_PERTURBATION} asks for). The
     * user's listeners do not see it. The default is {@link #recomputeGradient()}, for hosts whose first pass leaves
     * nothing else behind.
     */
    default void redoGradient() {
        recomputeGradient();
    }

    /**
     * The loss of each sample of the current mini-batch at the weights the model holds now, from a forward-only pass
     * in training mode (the mini-batch's own BatchNorm statistics, without regularization). The pass changes nothing:
     * no gradient, no BatchNorm running statistics, no reported score.
     *
     * @return one loss per sample, in the mini-batch's order
     * @throws UnsupportedOperationException when the host cannot give per-sample losses
     */
    default double[] sampleLosses() {
        throw new UnsupportedOperationException("This model cannot give the loss of each sample of a mini-batch");
    }

    /**
     * @return the per-sample losses of the pass that {@link #gradient(int)} came from, as {@link #sampleLosses()}
     *     would give them at those weights, when the host recorded them during that pass; null otherwise (the rule then
     *     asks {@link #sampleLosses()} before it moves the weights)
     */
    default double[] passSampleLosses() {
        return null;
    }

    /**
     * Like {@link #recomputeGradient()}, on some samples of the current mini-batch only: {@link #gradient(int)} times
     * {@link #gradientScale()} is then the gradient of the mean loss over those samples.
     *
     * @param samples indices into the mini-batch, distinct and ascending
     * @throws UnsupportedOperationException when the host cannot run a pass on part of a mini-batch
     */
    default void recomputeGradient(int[] samples) {
        throw new UnsupportedOperationException("This model cannot run a pass on part of a mini-batch");
    }
}
