package org.msam.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clips the global norm of the gradient, as {@code torch.nn.utils.clip_grad_norm_(params, maxNorm)} before
 * {@code optimizer.step()}: with ḡ the mini-batch mean gradient of every trainable parameter together
 * (BatchNorm statistics and frozen layers excluded, weight decay not included, as in PyTorch),
 * <pre>
 *   ḡ ← ḡ · min(1, maxNorm / (‖ḡ‖ + 1e-6))
 * </pre>
 * DL4J only offers per-layer clipping ({@code GradientNormalization}); this listener acts in
 * {@code onGradientCalculation}, before the updater. With SAM or MSAM pass it to
 * {@link SharpnessAware#install} so that it runs after SAM's second pass and before MSAM's step (the paper
 * clips ViT gradients to 1.0); without them add it with {@code net.addListeners}. Per-layer
 * {@code GradientNormalization}, if also configured, is applied by DL4J afterwards.
 */
public final class GlobalGradientClipping extends BaseTrainingListener {
    private final double maxNorm;
    private transient Binding binding;
    private double lastNorm = Double.NaN;

    /**
     * @param maxNorm the largest global L2 norm of the mean gradient, &gt; 0
     */
    public GlobalGradientClipping(double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("Invalid maxNorm value: " + maxNorm + " (must be finite and > 0)");
        }
        this.maxNorm = maxNorm;
    }

    /** @return the clipping threshold */
    public double getMaxNorm() {
        return maxNorm;
    }

    /** @return the global norm of the mean gradient before clipping, at the last iteration */
    public double lastNorm() {
        return lastNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        Net net = Net.of(model);
        if (binding == null || binding.isStale(net)) {
            binding = Binding.of(net);
        }
        INDArray grad = net.gradient();
        double batch = Math.max(1, model.batchSize());
        double sq = 0;
        for (Binding.Block b : binding.trainable) {
            double n = b.slice(grad).norm2Number().doubleValue();
            sq += n * n;
        }
        lastNorm = Math.sqrt(sq) / batch;
        double coef = maxNorm / (lastNorm + 1e-6);
        if (coef < 1) {
            for (Binding.Block b : binding.trainable) {
                b.slice(grad).muli(coef);
            }
        }
    }
}
