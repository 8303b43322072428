package org.msam.examples.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.msam.rule.Norms;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stops training at the first non-finite loss or gradient, before the optimizer step uses it: it checks the score
 * and the gradient in {@code onGradientCalculation}, which DL4J calls after the backward pass and before the
 * updater, and throws {@link NonFiniteException}. The parameters then still hold the last finite step.
 */
final class NonFiniteGuard extends BaseTrainingListener {
    private int iteration;
    private int epoch;

    @Override
    public void onEpochStart(Model model) {
        epoch = epochOf(model);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        this.iteration = iteration + 1;
    }

    @Override
    public void onGradientCalculation(Model model) {
        double score = model.score();
        Gradient g = model.gradient();
        INDArray flat = g == null ? null : g.gradient();
        boolean gradientFinite = flat == null || Norms.allFinite(flat);
        if (!Double.isFinite(score) || !gradientFinite) {
            throw new NonFiniteException(iteration, epoch, score, gradientFinite);
        }
    }

    private static int epochOf(Model model) {
        if (model instanceof org.deeplearning4j.nn.graph.ComputationGraph) {
            return ((org.deeplearning4j.nn.graph.ComputationGraph) model).getEpochCount();
        }
        if (model instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork) {
            return ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) model).getEpochCount();
        }
        return 0;
    }

    /** The loss or the gradient of an iteration is not finite. */
    static final class NonFiniteException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int iteration;
        final double score;

        NonFiniteException(int iteration, int epoch, double score, boolean gradientFinite) {
            super("the training loss is " + score + (gradientFinite ? "" : " and the gradient is not finite")
                    + " at iteration " + iteration + " (epoch " + (epoch + 1) + ")");
            this.iteration = iteration;
            this.score = score;
        }
    }
}
