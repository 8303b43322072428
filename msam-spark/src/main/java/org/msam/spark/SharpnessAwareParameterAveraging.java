package org.msam.spark;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.msam.dl4j.SharpnessAware;

/**
 * dl4j-spark's {@link ParameterAveragingTrainingMaster} for the library's optimizers; made by
 * {@link SharpnessAwareSpark#parameterAveraging(int)}, whose javadoc states the semantics.
 *
 * <p>It differs from its superclass in four places: the updater state always travels with the parameters
 * ({@code saveUpdater(true)}, refused otherwise); every worker runs a {@link SharpnessAwareTrainingHook} first; after
 * each averaging round the driver's network, which now holds θ̄ and the averaged optimizer state, is checked to hold
 * θ and its rule told that its state was replaced ({@link SharpnessAware#afterAveraging}; MSAM derives c =
 * ρ/(‖v̄‖ + δ) from the averages when the next step begins) before the next round is broadcast; and each round's copies start at the driver's iteration and epoch counts (dl4j-spark restarts a
 * ComputationGraph copy at iteration 0). Everything else (data splitting, repartitioning, export, aggregation,
 * statistics) is dl4j-spark's.
 */
public final class SharpnessAwareParameterAveraging extends ParameterAveragingTrainingMaster {
    private static final long serialVersionUID = 1L;

    private SharpnessAwareParameterAveraging(Builder builder) {
        super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
        requireHookFirst().round(Drivers.iteration(network.getNetwork()), Drivers.epoch(network.getNetwork()));
        return super.getWorkerInstance(network);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        requireHookFirst().round(Drivers.iteration(graph.getNetwork()), Drivers.epoch(graph.getNetwork()));
        return super.getWorkerInstance(graph);
    }

    private SharpnessAwareTrainingHook requireHookFirst() {
        if (trainingHookList == null || trainingHookList.isEmpty()
                || !(trainingHookList.iterator().next() instanceof SharpnessAwareTrainingHook)) {
            throw new IllegalStateException("The SharpnessAwareTrainingHook was removed from this training master: "
                    + "without it the workers would return perturbed weights. Add other hooks with addHook(...) and "
                    + "keep the one SharpnessAwareSpark.parameterAveraging(...) installs.");
        }
        return (SharpnessAwareTrainingHook) trainingHookList.iterator().next();
    }

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
            JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        super.processResults(network, graph, results, splitNum, totalSplits);
        Model model = network != null ? network.getNetwork() : graph.getNetwork();
        if (Drivers.install(model)) {
            SharpnessAware.afterAveraging(model);
        }
    }

    /**
     * {@link ParameterAveragingTrainingMaster.Builder} whose {@code build()} makes a
     * {@link SharpnessAwareParameterAveraging}: every setting of the superclass's builder applies as DL4J documents
     * it, with {@code saveUpdater(true)} preset (and required) and the {@link SharpnessAwareTrainingHook} put before
     * any hook the user adds.
     */
    public static final class Builder extends ParameterAveragingTrainingMaster.Builder {
        Builder(Integer numWorkers, int rddDataSetNumExamples) {
            super(numWorkers, rddDataSetNumExamples);
            saveUpdater(true);
        }

        /**
         * @return the training master
         * @throws IllegalStateException if {@code saveUpdater(false)} was set
         */
        @Override
        public SharpnessAwareParameterAveraging build() {
            if (!saveUpdater) {
                throw new IllegalStateException("SharpnessAwareSpark averages the optimizer state (momentum, MSAM's "
                        + "c) with the parameters: saveUpdater(false) would restart it at every averaging round. "
                        + "Remove the saveUpdater(false) call.");
            }
            List<TrainingHook> hooks = new ArrayList<>();
            hooks.add(new SharpnessAwareTrainingHook());
            Collection<TrainingHook> users = trainingHooks;
            if (users != null) {
                for (TrainingHook h : users) {
                    if (!(h instanceof SharpnessAwareTrainingHook)) {
                        hooks.add(h);
                    }
                }
            }
            trainingHooks = hooks;
            return new SharpnessAwareParameterAveraging(this);
        }
    }
}
