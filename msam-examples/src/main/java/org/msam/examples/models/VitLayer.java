package org.msam.examples.models;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavierUniform;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the Vision Transformer's SameDiff layers share: the weight initialisation of their matrices, taken from the
 * network's global {@code weightInit} like DL4J's own dense and convolution layers, their runtime, and the token
 * layout.
 *
 * <p>Tokens travel between layers as DL4J recurrent activations in {@link RNNFormat#NWC} layout,
 * {@code [minibatch, tokens, features]}, the layout of PyTorch and JAX transformers, so that every token layer
 * works on the last axis.
 *
 * <p>Parameters registered with {@code addWeightParam} are what DL4J calls weights
 * ({@code ParamInitializer.isWeightParam}): the global {@code l2} and AdamW's
 * {@link org.msam.config.DecayScope#WEIGHTS_ONLY} decay act on them; those registered with {@code addBiasParam}
 * (biases, LayerNorm gains and offsets, the position embedding) are regularised only by bias settings
 * ({@code l2Bias}) and by {@link org.msam.config.DecayScope#ALL_TRAINABLE}. All of them live in the network's flat
 * parameter vector, so SAM and MSAM perturb them with everything else. Parameter names contain no underscore: DL4J
 * splits a gradient's key {@code <layer>_<param>} at its last underscore.
 *
 * <p>The layers run on {@link VitLayerRuntime}, which corrects the doubled gradients of DL4J 1.0.0-M2.1's SameDiff
 * layers.
 */
abstract class VitLayer extends SameDiffLayer {
    private IWeightInit weightInitFn;

    VitLayer() {
    }

    /** @return the initialisation of the weight matrices (null until the global configuration is applied) */
    public IWeightInit getWeightInitFn() {
        return weightInitFn;
    }

    /** @param weightInitFn the initialisation of the weight matrices; null takes the network's */
    public void setWeightInitFn(IWeightInit weightInitFn) {
        this.weightInitFn = weightInitFn;
    }

    @Override
    public void applyGlobalConfigToLayer(NeuralNetConfiguration.Builder globalConfig) {
        if (weightInitFn == null) {
            weightInitFn = globalConfig.getWeightInitFn();
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        VitLayerRuntime layer = new VitLayerRuntime(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        return layer;
    }

    /** Fills a {@code [fanIn, fanOut]} matrix with the weight initialisation. */
    final void initMatrix(INDArray matrix) {
        IWeightInit init = Objects.requireNonNullElseGet(weightInitFn, WeightInitXavierUniform::new);
        INDArray flat = Nd4j.createUninitialized(matrix.dataType(), 1, matrix.length());
        matrix.assign(init.init(matrix.size(0), matrix.size(1), matrix.shape(), 'c', flat));
    }

    /** {@code x·W + b} on a {@code [rows, in]} input. */
    static SDVariable affine(SDVariable x, SDVariable w, SDVariable b) {
        return x.mmul(w).add(b);
    }

    /**
     * Checks that the input is a sequence of tokens of the expected width.
     *
     * @return the input type, a recurrent NWC type
     */
    final InputType.InputTypeRecurrent requireTokens(InputType inputType, long width) {
        if (!(inputType instanceof InputType.InputTypeRecurrent)
                || ((InputType.InputTypeRecurrent) inputType).getFormat() != RNNFormat.NWC) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " '" + getLayerName()
                    + "' expects tokens as recurrent NWC input [minibatch, tokens, " + width + "], got " + inputType);
        }
        InputType.InputTypeRecurrent tokens = (InputType.InputTypeRecurrent) inputType;
        if (tokens.getSize() != width) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " '" + getLayerName() + "' expects "
                    + width + " features per token, got " + tokens.getSize());
        }
        return tokens;
    }

    /** Shape with the mini-batch left free: {@code (-1, dims...)}. */
    static long[] batchShape(long... dims) {
        long[] shape = new long[dims.length + 1];
        shape[0] = -1;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return shape;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (o == null || o.getClass() != getClass() || !super.equals(o)) {
            return false;
        }
        return Objects.equals(weightInitFn, ((VitLayer) o).weightInitFn);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hashCode(weightInitFn);
    }
}
