package org.msam.examples.models;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ConvolutionLayer}, computed by libnd4j's {@code conv2d}/{@code conv2d_bp} ops instead of DL4J's
 * im2col + GEMM: oneDNN's convolution when nd4j-native is the oneDNN build, libnd4j's own code otherwise.
 *
 * <p>Same configuration, same parameters ({@code W} as {@code [out, in, kH, kW]}, then {@code b} if any, in the
 * same flattened order), same output and gradients to float32 rounding (checked by the tests against
 * {@link ConvolutionLayer}). Only float32 uses the op path: other data types run DL4J's built-in code, as does any
 * call on which the op fails (DL4J logs a warning and falls back). See {@link NativeOpHelpers} for why DL4J does not
 * take this path on its own. With the identity activation (every convolution of the example models) the backward
 * pass also skips DL4J's recomputation of the forward convolution, which only serves the activation's derivative.
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
        // as ConvolutionLayer.instantiate, with the layer below
        LayerValidation.assertNInNOutSet("ConvolutionLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        Impl layer = new Impl(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        return layer;
    }

    /** DL4J's convolution layer with the op helper, and a backward pass without the forward recomputation. */
    static final class Impl extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
            helper = new NativeOpHelpers.Convolution(dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            ConvolutionLayer conf = layerConf();
            if (helper == null || helperCountFail > 0 || dataType != DataType.FLOAT
                    || !(conf.getActivationFn() instanceof ActivationIdentity)
                    || conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            // DL4J's backward pass, less its preOutput4d call: with the identity activation, delta = epsilon
            assertInputSet(true);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
            INDArray in = input.castTo(dataType);
            INDArray delta = epsilon.castTo(dataType);
            int[] kernel = conf.getKernelSize();
            int[] strides = conf.getStride();
            int[] dilation = conf.getDilation();
            int[] pad;
            if (convolutionMode == ConvolutionMode.Same) {
                int[] outSize = ConvolutionUtils.getOutputSize(in, kernel, strides, null, convolutionMode, dilation, CNN2DFormat.NCHW);
                pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[] {(int) in.size(2), (int) in.size(3)},
                        kernel, strides, dilation);
            } else {
                pad = conf.getPadding();
            }
            Pair<Gradient, INDArray> ret = helper.backpropGradient(in, weights, bias, delta, kernel, strides, pad,
                    gradientViews.get(ConvolutionParamInitializer.BIAS_KEY),
                    gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY), conf.getActivationFn(),
                    conf.getCudnnAlgoMode(), conf.getCudnnBwdFilterAlgo(), conf.getCudnnBwdDataAlgo(), convolutionMode,
                    dilation, CNN2DFormat.NCHW, workspaceMgr);
            if (ret == null) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            ret.setSecond(backpropDropOutIfPresent(ret.getSecond()));
            return ret;
        }
    }
}
