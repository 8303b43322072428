package org.msam.examples.models;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layer normalisation over the features of each token (J. L. Ba, J. R. Kiros and G. E. Hinton, "Layer
 * Normalization", 2016, <a href="https://arxiv.org/abs/1607.06450">arXiv:1607.06450</a>), as a DL4J SameDiff layer:
 * <pre>
 *   y = γ ⊙ (x − mean(x)) / sqrt(var(x) + ε) + β        mean and biased variance over the last axis
 * </pre>
 * for tokens {@code [minibatch, tokens, size]} (recurrent NWC input) or vectors {@code [minibatch, size]}
 * (feed-forward input). This is PyTorch's {@code nn.LayerNorm(size, eps)} and Flax's {@code nn.LayerNorm}; the
 * default ε = {@value #DEFAULT_EPSILON} is that of timm's and big_vision's ViTs. It is written with elementary
 * SameDiff ops rather than ND4J's {@code layer_norm}, whose ε is not configurable.
 *
 * <p>Parameters: {@code gamma} {@code [1, size]} (initialised to 1) and {@code beta} {@code [1, size]} (0), both
 * registered as biases: no {@code l2}, and no AdamW decay unless its scope is
 * {@link org.msam.config.DecayScope#ALL_TRAINABLE}.
 */
public final class LayerNormalization extends VitLayer implements org.msam.dl4j.NormalizationLayer {
    /** Default ε added to the variance: {@value}. */
    public static final double DEFAULT_EPSILON = 1e-6;
    /** Name of the gain γ. */
    public static final String GAIN = "gamma";
    /** Name of the offset β. */
    public static final String OFFSET = "beta";

    private long size;
    private double epsilon = DEFAULT_EPSILON;

    /** For JSON. */
    public LayerNormalization() {
    }

    /**
     * @param size number of features normalised together, positive
     */
    public LayerNormalization(long size) {
        this(size, DEFAULT_EPSILON);
    }

    /**
     * @param size    number of features normalised together, positive
     * @param epsilon ε &gt; 0 added to the variance
     */
    public LayerNormalization(long size, double epsilon) {
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid LayerNorm size: " + size + " (must be positive)");
        }
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("Invalid LayerNorm epsilon: " + epsilon + " (must be finite and > 0)");
        }
        this.size = size;
        this.epsilon = epsilon;
    }

    /** @return the number of features normalised together */
    public long getSize() {
        return size;
    }

    /** @return ε */
    public double getEpsilon() {
        return epsilon;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addBiasParam(GAIN, 1, size);
        params.addBiasParam(OFFSET, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(GAIN).assign(1);
        params.get(OFFSET).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        int last = x.getShape().length - 1;
        SDVariable centred = x.sub(x.mean(true, last));
        SDVariable variance = centred.mul(centred).mean(true, last);
        SDVariable normalised = centred.mul(sd.math().rsqrt(variance.add(epsilon)));
        return normalised.mul(params.get(GAIN)).add(params.get(OFFSET));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType instanceof InputType.InputTypeFeedForward
                && ((InputType.InputTypeFeedForward) inputType).getSize() == size) {
            return inputType;
        }
        return requireTokens(inputType, size);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        LayerNormalization other = (LayerNormalization) o;
        return size == other.size && Double.compare(epsilon, other.epsilon) == 0;
    }

    @Override
    public int hashCode() {
        return (31 * super.hashCode() + Long.hashCode(size)) * 31 + Double.hashCode(epsilon);
    }

    /** γ and β are the normalisation's affine parameters: BN-only SAM and MSAM perturb them. */
    @Override
    public boolean isNormalizationParam(String paramName) {
        return GAIN.equals(paramName) || OFFSET.equals(paramName);
    }
}
