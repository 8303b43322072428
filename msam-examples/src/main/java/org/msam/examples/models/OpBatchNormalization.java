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
 * {@link BatchNormKernel} (channels first) or libnd4j's {@code batchnorm}/{@code batchnorm_bp} ops (channels last)
 * instead of DL4J's element-wise code.
 *
 * <p>Training pass, per channel c over the m = N·H·W values x_i of the mini-batch:
 * <pre>
 *   μ = Σ_i x_i / m,   σ² = Σ_i (x_i − μ)² / m   (biased; computed in this order, from the centred input)
 *   y_i = γ (x_i − μ) / √(σ² + ε) + β
 * </pre>
 * and at inference μ and σ² are the running estimates. The running statistics are DL4J's: the running mean
 * μ_run ← 0.9 μ_run + 0.1 μ and the variance as a running log10 standard deviation, from the biased batch variance.
 * PyTorch's {@code BatchNorm2d} (momentum 0.1) takes the same mean and the unbiased variance σ² m / (m − 1) for its
 * running estimate; the normalisation of a training pass is the same.
 *
 * <p>Same parameters in the same order (γ, β, running mean, running log10-std), same output, gradients and
 * running-statistic updates to float32 rounding (checked by the tests against {@link BatchNormalization}): the
 * running statistics remain DL4J's, updated by DL4J's layer from the batch mean and variance computed here.
 * Only float32 takes this path; other data types run DL4J's built-in code (see {@link OpConvolutionLayer}).
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
