package org.msam.examples.models;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A learnable position embedding added to a sequence of tokens, as a DL4J SameDiff layer:
 * {@code y[n, t, :] = x[n, t, :] + pos[t, :]} for {@code x} of shape {@code [minibatch, tokens, size]} (recurrent NWC
 * input). This is the original ViT's and timm's {@code pos_embed} without the class token's row.
 *
 * <p>Parameter: {@code pos} {@code [tokens, size]}, initialised from a normal distribution with standard deviation
 * {@value #INIT_STDDEV} (timm's truncated normal without the truncation at ±2, which lies 100 standard deviations
 * out). It is registered as a bias, so that neither {@code l2} nor AdamW's
 * {@link org.msam.config.DecayScope#WEIGHTS_ONLY} decay touches it, as in timm ({@code no_weight_decay}) and
 * big_vision (which decays kernels only); {@link org.msam.config.DecayScope#ALL_TRAINABLE} does decay it.
 */
public final class PositionEmbedding extends VitLayer {
    /** Name of the embedding. */
    public static final String POSITIONS = "pos";
    /** Standard deviation of the initial embedding: {@value}. */
    public static final double INIT_STDDEV = 0.02;

    private long tokens;
    private long size;

    /** For JSON. */
    public PositionEmbedding() {
    }

    /**
     * @param tokens sequence length, positive
     * @param size   features per token, positive
     */
    public PositionEmbedding(long tokens, long size) {
        if (tokens <= 0 || size <= 0) {
            throw new IllegalArgumentException("Invalid position embedding: " + tokens + " tokens, size " + size
                    + " (both must be positive)");
        }
        this.tokens = tokens;
        this.size = size;
    }

    /** @return sequence length */
    public long getTokens() {
        return tokens;
    }

    /** @return features per token */
    public long getSize() {
        return size;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addBiasParam(POSITIONS, tokens, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray pos = params.get(POSITIONS);
        pos.assign(Nd4j.randn(pos.dataType(), pos.shape()).muli(INIT_STDDEV));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        return x.add(params.get(POSITIONS));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeRecurrent in = requireTokens(inputType, size);
        if (in.getTimeSeriesLength() != tokens) {
            throw new IllegalArgumentException("PositionEmbedding '" + getLayerName() + "' expects " + tokens
                    + " tokens, got " + in.getTimeSeriesLength());
        }
        return in;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        PositionEmbedding other = (PositionEmbedding) o;
        return tokens == other.tokens && size == other.size;
    }

    @Override
    public int hashCode() {
        return (31 * super.hashCode() + Long.hashCode(tokens)) * 31 + Long.hashCode(size);
    }
}
