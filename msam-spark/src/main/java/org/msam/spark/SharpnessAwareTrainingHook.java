package org.msam.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The executor side of {@link SharpnessAwareSpark}: a dl4j-spark {@link TrainingHook}, Java-serialized to the
 * executors with the training worker, that runs around every mini-batch a worker trains on its own copy of the
 * network.
 *
 * <p>dl4j-spark's {@code ParameterAveragingTrainingWorker} rebuilds the copy from the configuration JSON, the
 * parameters and the updater state broadcast by the driver, sets the training master's listeners on it (Java-
 * serialized copies), and calls {@code fit(DataSet)} once per mini-batch; when the worker's last mini-batch is done
 * it returns the copy's parameters and updater state to the driver, which averages them. On each copy, the hook:
 * <ol>
 *   <li>at the first mini-batch, installs the drivers the updaters need on the copy ({@code SharpnessAware.install}
 *       for Sam/Msam/LookSam, which then calls the master's listeners when the copy holds θ;
 *       {@code DecoupledWeightDecay.install} for a plain AdamW with weight decay);</li>
 * </ol>
 * The installed driver moves the copy to the weights each step's gradient is taken at (MSAM's θ̃ = θ − c·v, from the
 * state it received, whose c the driver re-derived from the averaged momentum) just before the step's forward pass,
 * and the step lands on θ, so what the worker returns to the driver is θ and never θ̃.
 *
 * <p>It also starts each copy at the driver's iteration and epoch counts, which schedules of η and ρ read: dl4j-spark
 * 1.0.0-M2 rebuilds a ComputationGraph worker at iteration 0 in every round.
 *
 * <p>Hooks that run after this one (the training master calls them in order) see θ in {@code preUpdate} and
 * {@code postUpdate}.
 */
public final class SharpnessAwareTrainingHook implements TrainingHook {
    private static final long serialVersionUID = 1L;

    /** The driver's iteration and epoch counts when the round was broadcast (-1: not known). */
    private int iteration = -1;
    private int epoch = -1;
    /** The copy the drivers were installed on, and whether it trains with SAM/MSAM; per executor task. */
    private transient Model installedOn;

    /** Records the driver's counters, which the round's copies start from. */
    void round(int iteration, int epoch) {
        this.iteration = iteration;
        this.epoch = epoch;
    }

    private void before(Model model) {
        if (installedOn != model) {
            if (iteration >= 0) {
                Drivers.setCounts(model, iteration, epoch);
            }
            Drivers.install(model);
            installedOn = model;
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        before(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        before(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
