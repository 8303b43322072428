package org.msam.examples.models;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ConvolutionLayer}, computed by libnd4j's {@code conv2d}/{@code conv2d_bp} ops instead of DL4J's
 * im2col + GEMM: oneDNN's convolution when nd4j-native is the oneDNN build, libnd4j's own code otherwise.
 *
 * <p>Same configuration, same parameters ({@code W} as {@code [out, in, kH, kW]}, then {@code b} if any, in the
 * same flattened order), same output and gradients to float32 rounding (checked by the tests against
 * {@link ConvolutionLayer}). Only float32 uses the op path: other data types run DL4J's built-in code, as does any
 * call on which the op fails (DL4J logs a warning and falls back once). See {@link NativeOpHelpers} for why DL4J
 * does not take this path on its own.
 */
public class OpConvolutionLayer extends ConvolutionLayer {
    /** For JSON. */
    public OpConvolutionLayer() {
    }

    /**
     * @param builder a DL4J convolution builder, configured as for {@link ConvolutionLayer}
     */
    public OpConvolutionLayer(ConvolutionLayer.Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Layer layer = super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams, networkDataType);
        return NativeOpHelpers.install(layer, new NativeOpHelpers.Convolution(networkDataType));
    }
}
