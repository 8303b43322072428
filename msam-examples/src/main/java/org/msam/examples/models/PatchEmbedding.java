package org.msam.examples.models;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ViT's patch embedding as a DL4J SameDiff layer: cuts an NCHW image into non-overlapping {@code p×p} patches, in
 * row-major order, and projects each flattened patch linearly:
 * <pre>
 *   [mb, c, H, W] -> [mb, c, H/p, p, W/p, p] -> [mb, H/p, W/p, c, p, p] -> patches [mb, T, c·p·p]
 *   y = patches·W + b                                       [mb, T, size], recurrent NWC output, T = (H/p)·(W/p)
 * </pre>
 * This equals a convolution with kernel = stride = p (timm's {@code PatchEmbed}, big_vision's {@code embedding}):
 * {@code W} is PyTorch's {@code proj.weight} of shape {@code [size, c, p, p]} reshaped to {@code [size, c·p·p]} and
 * transposed. H and W must be multiples of p.
 *
 * <p>Parameters: weight {@code W} {@code [c·p·p, size]} (fan-in c·p·p, fan-out size, the network's weight
 * initialisation), bias {@code b} {@code [1, size]} (zero). c·p²·size + size parameters.
 */
public final class PatchEmbedding extends VitLayer {
    /** Name of the projection matrix. */
    public static final String WEIGHT = "W";
    /** Name of the projection bias. */
    public static final String BIAS = "b";

    private long channels;
    private int patchSize;
    private long size;

    /** For JSON. */
    public PatchEmbedding() {
    }

    /**
     * @param channels  input channels c, positive
     * @param patchSize patch side p, positive
     * @param size      embedding width, positive
     */
    public PatchEmbedding(long channels, int patchSize, long size) {
        if (channels <= 0 || patchSize <= 0 || size <= 0) {
            throw new IllegalArgumentException("Invalid patch embedding: " + channels + " channels, patch " + patchSize
                    + ", size " + size + " (all must be positive)");
        }
        this.channels = channels;
        this.patchSize = patchSize;
        this.size = size;
    }

    /** @return input channels */
    public long getChannels() {
        return channels;
    }

    /** @return patch side */
    public int getPatchSize() {
        return patchSize;
    }

    /** @return embedding width */
    public long getSize() {
        return size;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT, channels * patchSize * patchSize, size);
        params.addBiasParam(BIAS, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initMatrix(params.get(WEIGHT));
        params.get(BIAS).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        long[] shape = x.getShape(); // [-1, c, H, W]
        long gh = shape[2] / patchSize;
        long gw = shape[3] / patchSize;
        SDVariable patches = x.reshape(batchShape(channels, gh, patchSize, gw, patchSize))
                .permute(0, 2, 4, 1, 3, 5)                       // [mb, gh, gw, c, p, p]
                .reshape(-1, channels * patchSize * patchSize);  // [mb·T, c·p·p]
        return affine(patches, params.get(WEIGHT), params.get(BIAS)).reshape(batchShape(gh * gw, size));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)
                || ((InputType.InputTypeConvolutional) inputType).getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("PatchEmbedding '" + getLayerName()
                    + "' expects NCHW convolutional input, got " + inputType);
        }
        InputType.InputTypeConvolutional image = (InputType.InputTypeConvolutional) inputType;
        if (image.getChannels() != channels || image.getHeight() % patchSize != 0
                || image.getWidth() % patchSize != 0) {
            throw new IllegalArgumentException("PatchEmbedding '" + getLayerName() + "' expects " + channels
                    + " channels and a height and width divisible by " + patchSize + ", got " + image.getChannels()
                    + "x" + image.getHeight() + "x" + image.getWidth());
        }
        long tokens = (image.getHeight() / patchSize) * (image.getWidth() / patchSize);
        return InputType.recurrent(size, tokens, RNNFormat.NWC);
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != channels || input.size(2) % patchSize != 0
                || input.size(3) % patchSize != 0) {
            throw new IllegalArgumentException("PatchEmbedding '" + getLayerName() + "' expects [minibatch, "
                    + channels + ", H, W] with H and W divisible by " + patchSize + ", got "
                    + Arrays.toString(input.shape()));
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        PatchEmbedding other = (PatchEmbedding) o;
        return channels == other.channels && patchSize == other.patchSize && size == other.size;
    }

    @Override
    public int hashCode() {
        return ((31 * super.hashCode() + Long.hashCode(channels)) * 31 + patchSize) * 31 + Long.hashCode(size);
    }
}
