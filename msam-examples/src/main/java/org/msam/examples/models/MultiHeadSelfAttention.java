package org.msam.examples.models;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Multi-head scaled dot-product self-attention over a sequence of tokens (A. Vaswani et al., "Attention Is All You
 * Need", NeurIPS 2017), with biases on the projections as in ViT, as a DL4J SameDiff layer. For an input
 * {@code x} of shape {@code [minibatch, tokens, size]} (recurrent NWC input) and {@code h} heads of width
 * {@code d = size / h}:
 * <pre>
 *   [q | k | v] = x·Wqkv + bqkv                    columns: q, k, v; within each, head 0, head 1, ...
 *   o_i = softmax(q_i·k_iᵀ / √d)·v_i                 per head i, softmax over the keys
 *   y   = [o_0 | ... | o_{h−1}]·Wout + bout
 * </pre>
 * This is timm's {@code Attention(dim, num_heads, qkv_bias=True)} with PyTorch weights transposed
 * ({@code Wqkv = qkv.weight.T}, {@code Wout = proj.weight.T}). No mask and no dropout: every token attends to every
 * token. ND4J's {@code multiHeadDotProductAttention} op has no projection biases, hence the elementary ops.
 *
 * <p>Parameters: weights {@code Wqkv} {@code [size, 3·size]} (each of the three {@code [size, size]} blocks
 * initialised with fan-in = fan-out = size) and {@code Wout} {@code [size, size]}, initialised by the network's
 * weight initialisation; biases {@code bqkv} {@code [1, 3·size]} and {@code bout} {@code [1, size]}, zero.
 * 4·size² + 4·size parameters.
 */
public final class MultiHeadSelfAttention extends VitLayer {
    /** Name of the query/key/value projection matrix. */
    public static final String QKV_WEIGHT = "Wqkv";
    /** Name of the query/key/value projection bias. */
    public static final String QKV_BIAS = "bqkv";
    /** Name of the output projection matrix. */
    public static final String OUT_WEIGHT = "Wout";
    /** Name of the output projection bias. */
    public static final String OUT_BIAS = "bout";

    private long size;
    private int heads;

    /** For JSON. */
    public MultiHeadSelfAttention() {
    }

    /**
     * @param size  features per token, a positive multiple of {@code heads}
     * @param heads number of heads, positive
     */
    public MultiHeadSelfAttention(long size, int heads) {
        if (heads <= 0 || size <= 0 || size % heads != 0) {
            throw new IllegalArgumentException("Invalid attention: size " + size + " and " + heads
                    + " heads (size must be a positive multiple of heads)");
        }
        this.size = size;
        this.heads = heads;
    }

    /** @return features per token */
    public long getSize() {
        return size;
    }

    /** @return number of heads */
    public int getHeads() {
        return heads;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(QKV_WEIGHT, size, 3 * size);
        params.addWeightParam(OUT_WEIGHT, size, size);
        params.addBiasParam(QKV_BIAS, 1, 3 * size);
        params.addBiasParam(OUT_BIAS, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray qkv = params.get(QKV_WEIGHT);
        for (int i = 0; i < 3; i++) {
            initMatrix(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(i * size, (i + 1) * size)));
        }
        initMatrix(params.get(OUT_WEIGHT));
        params.get(QKV_BIAS).assign(0);
        params.get(OUT_BIAS).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        long tokens = x.getShape()[1];
        long d = size / heads;
        SDVariable qkv = affine(x.reshape(-1, size), params.get(QKV_WEIGHT), params.get(QKV_BIAS));
        // [mb·T, 3·size] -> [mb, T, 3, h, d] -> [3, mb, h, T, d]
        qkv = qkv.reshape(batchShape(tokens, 3, heads, d)).permute(2, 0, 3, 1, 4);
        // unstack rather than get(point(i)): ND4J's strided_slice_bp rejects that slice (M2.1)
        SDVariable[] split = sd.unstack(qkv, 0, 3);
        SDVariable q = split[0].reshape(-1, tokens, d);
        SDVariable k = split[1].reshape(-1, tokens, d);
        SDVariable v = split[2].reshape(-1, tokens, d);
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(d)); // [mb·h, T, T]
        SDVariable o = sd.mmul(sd.nn().softmax(scores, 2), v);                        // [mb·h, T, d]
        o = o.reshape(batchShape(heads, tokens, d)).permute(0, 2, 1, 3).reshape(-1, size);
        return affine(o, params.get(OUT_WEIGHT), params.get(OUT_BIAS)).reshape(batchShape(tokens, size));
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
        MultiHeadSelfAttention other = (MultiHeadSelfAttention) o;
        return size == other.size && heads == other.heads;
    }

    @Override
    public int hashCode() {
        return (31 * super.hashCode() + Long.hashCode(size)) * 31 + heads;
    }
}
