package org.msam.examples.models;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link BatchNormalization} with its defaults (decay 0.9, ε 1e-5, running log10-std), computed by
 * libnd4j's {@code batchnorm}/{@code batchnorm_bp} ops instead of DL4J's element-wise code: oneDNN's batch
 * normalisation when nd4j-native is the oneDNN build.
 *
 * <p>Same parameters in the same order (γ, β, running mean, running log10-std), same output, gradients and
 * running-statistic updates to float32 rounding (checked by the tests against {@link BatchNormalization}): the
 * running statistics remain DL4J's, updated by DL4J's layer from the batch mean and variance the op path computes.
 * Only float32 uses the op path (see {@link OpConvolutionLayer}).
 */
public class OpBatchNormalization extends BatchNormalization {
    /** A batch normalisation with DL4J's defaults (also for JSON). */
    public OpBatchNormalization() {
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Layer layer = super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams, networkDataType);
        return NativeOpHelpers.install(layer, new NativeOpHelpers.BatchNorm(networkDataType));
    }
}
