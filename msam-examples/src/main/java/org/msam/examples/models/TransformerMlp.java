package org.msam.examples.models;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The transformer's position-wise MLP with a GELU, applied to each token, as a DL4J SameDiff layer:
 * <pre>
 *   y = GELU(x·W1 + b1)·W2 + b2           x: [minibatch, tokens, size], hidden width {@code hidden}
 *   GELU(z) = z/2 · (1 + erf(z/√2))
 * </pre>
 * GELU (D. Hendrycks and K. Gimpel, <a href="https://arxiv.org/abs/1606.08415">arXiv:1606.08415</a>) in its exact
 * form, PyTorch's {@code nn.GELU()} as used by timm's ViT; big_vision's ViT uses the tanh approximation (Flax
 * {@code nn.gelu}), at most 4.8e-4 away. It is written with ND4J's {@code erf}, exact in double precision: ND4J's
 * {@code gelu} op is the sigmoid approximation {@code z·σ(1.702·z)} and its {@code precise_gelu} op matches
 * neither form in M2.1 (−0.0067 at z = −4, where GELU is −1.3e-4).
 *
 * <p>Parameters: weights {@code W1} {@code [size, hidden]} and {@code W2} {@code [hidden, size]}, initialised by the
 * network's weight initialisation; biases {@code b1} {@code [1, hidden]} and {@code b2} {@code [1, size]}, zero.
 * 2·size·hidden + hidden + size parameters.
 */
public final class TransformerMlp extends VitLayer {
    /** Name of the first matrix. */
    public static final String W1 = "W1";
    /** Name of the first bias. */
    public static final String B1 = "b1";
    /** Name of the second matrix. */
    public static final String W2 = "W2";
    /** Name of the second bias. */
    public static final String B2 = "b2";

    private long size;
    private long hidden;

    /** For JSON. */
    public TransformerMlp() {
    }

    /**
     * @param size   features per token, positive
     * @param hidden hidden width, positive
     */
    public TransformerMlp(long size, long hidden) {
        if (size <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("Invalid MLP: size " + size + ", hidden " + hidden
                    + " (both must be positive)");
        }
        this.size = size;
        this.hidden = hidden;
    }

    /** @return features per token */
    public long getSize() {
        return size;
    }

    /** @return hidden width */
    public long getHidden() {
        return hidden;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(W1, size, hidden);
        params.addWeightParam(W2, hidden, size);
        params.addBiasParam(B1, 1, hidden);
        params.addBiasParam(B2, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initMatrix(params.get(W1));
        initMatrix(params.get(W2));
        params.get(B1).assign(0);
        params.get(B2).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        long tokens = x.getShape()[1];
        SDVariable h = affine(x.reshape(-1, size), params.get(W1), params.get(B1));
        h = h.mul(0.5).mul(sd.math().erf(h.mul(1.0 / Math.sqrt(2.0))).add(1.0));
        return affine(h, params.get(W2), params.get(B2)).reshape(batchShape(tokens, size));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return requireTokens(inputType, size);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        TransformerMlp other = (TransformerMlp) o;
        return size == other.size && hidden == other.hidden;
    }

    @Override
    public int hashCode() {
        return (31 * super.hashCode() + Long.hashCode(size)) * 31 + Long.hashCode(hidden);
    }
}
