package org.msam.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.msam.rule.Norms;
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
 *
 * <p>On SameDiff pass it to {@link SharpnessAware#install(org.nd4j.autodiff.samediff.SameDiff,
 * org.deeplearning4j.optimize.api.TrainingListener...)} with Sam or Msam. SameDiff steps each variable as soon as its
 * gradient exists, so the global norm is taken from one more forward/backward pass at the weights the step gradient
 * is taken at (after SAM's ascent, at MSAM's θ̃), before SameDiff's own: clipping costs one extra pass per step
 * there.
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
        double coef = coefficient(host);
        if (coef < 1) {
            for (int i = 0; i < host.variables().size(); i++) {
                host.gradient(i).muli(coef);
            }
        }
    }

    /**
     * Takes the global norm of the host's gradient (made the mean gradient's) and records it.
     *
     * @return the factor min(1, maxNorm/(‖ḡ‖ + 1e-6)) the gradient is to be multiplied by
     */
    double coefficient(org.msam.rule.Host h) {
        double sq = 0;
        for (int i = 0; i < h.variables().size(); i++) {
            INDArray g = h.gradient(i);
            if (g != null) {
                sq += Norms.squaredNorm(g);
            }
        }
        lastNorm = Math.sqrt(sq) * h.gradientScale();
        return Math.min(1, maxNorm / (lastNorm + 1e-6));
    }
}
