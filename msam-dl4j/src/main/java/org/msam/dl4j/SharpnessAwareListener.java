package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The listener {@link SharpnessAware#install} puts on a network. It runs SAM's second pass or MSAM's
 * perturbation and forwards every callback to the user's listeners at the moments the network holds the
 * true weights θ: {@code iterationDone}, {@code onEpochStart} and {@code onEpochEnd} (so evaluation,
 * checkpoints, early stopping and score reporting see θ). Pass your listeners to {@code install} rather
 * than to {@code net.setListeners}, which would remove this one.
 */
public abstract class SharpnessAwareListener extends BaseTrainingListener {
    private List<TrainingListener> userListeners = Collections.emptyList();
    /** True while the listener itself runs forward/backward passes that users must not see. */
    boolean internalPass;

    SharpnessAwareListener() {
    }

    /** @return the user's listeners, in the order they are called */
    public List<TrainingListener> getUserListeners() {
        return userListeners;
    }

    void setUserListeners(List<TrainingListener> listeners) {
        this.userListeners = Collections.unmodifiableList(new ArrayList<>(listeners));
    }

    /** Binds to the model's updater blocks and validates its configuration. */
    abstract void bind(Net net);

    /** @return true while the model holds perturbed weights */
    abstract boolean isPerturbed();

    /** Moves the model to θ. */
    abstract void removePerturbation();

    /** Moves the model back to the perturbed weights, if the optimizer keeps them between steps. */
    abstract void applyPerturbation();

    /** @return short name for messages: "SAM" or "MSAM" */
    abstract String algorithm();

    void forwardIterationDone(Model model, int iteration, int epoch) {
        for (TrainingListener l : userListeners) {
            l.iterationDone(model, iteration, epoch);
        }
    }

    void forwardEpochStart(Model model) {
        for (TrainingListener l : userListeners) {
            l.onEpochStart(model);
        }
    }

    void forwardEpochEnd(Model model) {
        for (TrainingListener l : userListeners) {
            l.onEpochEnd(model);
        }
    }

    void forwardGradientCalculation(Model model) {
        for (TrainingListener l : userListeners) {
            l.onGradientCalculation(model);
        }
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        if (!internalPass) {
            for (TrainingListener l : userListeners) {
                l.onForwardPass(model, activations);
            }
        }
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        if (!internalPass) {
            for (TrainingListener l : userListeners) {
                l.onForwardPass(model, activations);
            }
        }
    }

    @Override
    public void onBackwardPass(Model model) {
        if (!internalPass) {
            for (TrainingListener l : userListeners) {
                l.onBackwardPass(model);
            }
        }
    }

    /**
     * @throws ArithmeticException if the gradient or score is not finite; the step is then not applied
     */
    static void requireFinite(Net net, String algorithm) {
        double score = net.model.score();
        double sum = net.gradient().sumNumber().doubleValue();
        if (!Double.isFinite(sum) || !Double.isFinite(score)) {
            throw new ArithmeticException(algorithm + ": non-finite gradient or loss at iteration " + net.iteration()
                    + " (epoch " + net.epoch() + "): loss " + score + ", gradient sum " + sum + ". The step was not"
                    + " applied and the optimizer state is unchanged. Lower the learning rate or rho, check the inputs"
                    + " for NaN/Inf, or clip gradients (GradientNormalization).");
        }
    }
}
