package org.msam.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.msam.rule.Norms;

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
    private transient NetworkHost host;
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
        if (host == null || host.isStale(net)) {
            host = NetworkHost.of(net);
        }
        int n = host.variables().size();
        double sq = 0;
        for (int i = 0; i < n; i++) {
            sq += Norms.squaredNorm(host.gradient(i));
        }
        double scale = host.gradientScale();
        lastNorm = Math.sqrt(sq) * scale;
        double coef = maxNorm / (lastNorm + 1e-6);
        if (coef < 1) {
            for (int i = 0; i < n; i++) {
                host.gradient(i).muli(coef);
            }
        }
    }
}
