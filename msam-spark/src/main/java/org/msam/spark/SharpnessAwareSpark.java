package org.msam.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.msam.dl4j.SharpnessAware;

/**
 * Entry point for training with the library's optimizers on Apache Spark (dl4j-spark 1.0.0-M2 on the 1.0.0-M2.1
 * core): a {@link ParameterAveragingTrainingMaster.Builder} set up for SAM, MSAM and the base optimizers, on which
 * the user sets the workers, batch size and averaging frequency as DL4J documents.
 *
 * <pre>{@code
 * MultiLayerNetwork net = ...;              // .updater(Msam.builder().base(SgdMomentum...).rho(3.0).build())
 * net.init();
 * TrainingMaster<?, ?> tm = SharpnessAwareSpark.parameterAveraging(32)   // examples per DataSet of the RDD
 *         .batchSizePerWorker(32)
 *         .averagingFrequency(1)
 *         .build();
 * SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, tm);   // or SparkComputationGraph
 * sparkNet.setListeners(new ScoreIterationListener(10));                  // run on the executors, at θ
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     sparkNet.fit(trainRdd);              // the network then holds the true weights θ
 * }
 * ModelSerializer.writeModel(sparkNet.getNetwork(), file, true);           // θ and v: resumes exactly
 * }</pre>
 *
 * <p>Semantics (docs/ALGORITHMS.md, "Data-parallel training"). Each averaging round, dl4j-spark broadcasts the
 * driver's parameters and optimizer state; every worker rebuilds the network from them and trains
 * {@code averagingFrequency} mini-batches of {@code batchSizePerWorker} examples on its own data, then the driver
 * averages the parameters and optimizer states the workers return.
 * <ul>
 *   <li>Workers return θ, never θ̃ ({@link SharpnessAwareTrainingHook}), and the average is taken of θ and of the
 *       optimizer state (v; m and s for AdamW). The next round's first step derives MSAM's c = ρ/(‖v̄‖ + δ) from the
 *       averaged momentum (c is not state, so no mean of the workers' c enters), and perturbs from there:
 *       θ̃ = θ̄ − c·v̄ on every worker.</li>
 *   <li>With {@code averagingFrequency(1)}, N workers with equal-size mini-batches b_1 … b_N, a mean loss, no
 *       BatchNorm (its batch statistics are per worker) and SgdMomentum or MSAM over SgdMomentum (linear in the
 *       gradient), a round equals one step of one device on the union b_1 ∪ … ∪ b_N, to rounding. Over AdamW it is
 *       not exact: averaging s averages the squared gradients of the workers. With a higher frequency, the workers
 *       take local steps between averages, as dl4j-spark's parameter averaging always does.</li>
 *   <li>SAM (and LookSAM): each worker's ascent uses its own mini-batch gradient, as Foret et al. do per
 *       accelerator ("m-sharpness"); this is not SAM on the union batch.</li>
 *   <li>What the driver holds after {@code fit} returns, and what a checkpoint written from it holds, is θ with the
 *       averaged optimizer state and MSAM's re-derived c: training resumes exactly, on Spark or on one device.</li>
 *   <li>Listeners set on the {@code SparkDl4jMultiLayer}/{@code SparkComputationGraph} run on the executors, are
 *       called by the library's driver when the worker's copy holds θ, and must be {@link java.io.Serializable}.
 *       Listeners on the driver's network are not sent to the executors (dl4j-spark's behaviour).</li>
 *   <li>Iteration counters: the driver advances the iteration count by {@code averagingFrequency} per round, and
 *       the epoch count by one per {@code fit} (dl4j-spark); schedules of η and ρ are evaluated at those counts.</li>
 * </ul>
 *
 * <p>Differences from one device beyond these: dl4j-spark assigns mini-batches to workers and rounds at random
 * (fix {@code rngSeed} for repeatable runs), drops the examples of an incomplete last round, and runs a worker's
 * {@code fit(DataSet)} per mini-batch, so no epoch callbacks fire on the executors.
 *
 * <p>dl4j-spark's {@code SharedTrainingMaster} (dl4j-spark-parameterserver, on this module's class path) shares
 * threshold-encoded updates instead of averaging: each worker keeps its own momentum, so with MSAM each perturbs along
 * its own v (the analogue of SAM's per-device m-sharpness), and only the base step η·s is shared (the perturbation
 * terms c·v are applied by each worker's driver to its own weights, outside the update DL4J encodes). Its workers
 * take their listeners from the master only: build it as DL4J documents, with {@code workersPerNode(1)} (more
 * workers per node run DL4J's ParallelWrapper, which hands one listener to several copies and is refused), and set
 * {@link #executorListeners(MultiLayerNetwork, TrainingListener...)} on the Spark network. Each worker trains with
 * {@code fit(iterator)}, so it holds θ at the end of its epoch and returns θ. Aeron 1.39 (which the 1.0.0-M2.1
 * transport resolves to) refuses the transport's 30 s client timeout unless the JVM runs with
 * {@code -Daeron.publication.unblock.timeout=60000000000} (60 s, in ns). This path runs in local mode but is not part
 * of the module's tests: in local mode all tasks share one SharedTrainingWrapper, which took 58 and 76 steps for 3
 * epochs of 40 mini-batches in two runs, and in a third waited forever for a task's data (README, "Spark").
 */
public final class SharpnessAwareSpark {
    private SharpnessAwareSpark() {
    }

    /**
     * @param rddDataSetNumExamples the number of examples in each DataSet of the RDD to be fitted (dl4j-spark's
     *                              {@code Builder(int)})
     * @return a builder of a {@link SharpnessAwareParameterAveraging}; the number of workers defaults to Spark's
     *     default parallelism
     */
    public static SharpnessAwareParameterAveraging.Builder parameterAveraging(int rddDataSetNumExamples) {
        return new SharpnessAwareParameterAveraging.Builder(null, rddDataSetNumExamples);
    }

    /**
     * @param numWorkers            the number of workers (partitions per round); null: Spark's default parallelism
     * @param rddDataSetNumExamples the number of examples in each DataSet of the RDD to be fitted
     * @return a builder of a {@link SharpnessAwareParameterAveraging}
     */
    public static SharpnessAwareParameterAveraging.Builder parameterAveraging(Integer numWorkers,
            int rddDataSetNumExamples) {
        return new SharpnessAwareParameterAveraging.Builder(numWorkers, rddDataSetNumExamples);
    }

    /**
     * The listeners to set on the Spark network ({@code sparkNet.setListeners(...)}) so that every worker's copy runs
     * the library's driver with the user's listeners inside it: for a network with Sam/Msam/LookSam updaters, the
     * driver {@link SharpnessAware#install(MultiLayerNetwork, TrainingListener...)} puts on {@code net}, which is
     * Java-serialized to the executors and binds to the copy it is called on; otherwise the user's listeners
     * unchanged. Required with {@code SharedTrainingMaster}; with {@link #parameterAveraging} the workers install the
     * driver themselves and the user's listeners can be set directly.
     *
     * @param net       the driver's network
     * @param listeners the user's listeners (Serializable)
     * @return the listeners for {@code setListeners}
     */
    public static List<TrainingListener> executorListeners(MultiLayerNetwork net, TrainingListener... listeners) {
        if (Drivers.sharpnessAware(net)) {
            return Collections.singletonList(SharpnessAware.install(net, listeners));
        }
        return new ArrayList<>(Arrays.asList(listeners));
    }

    /**
     * {@link #executorListeners(MultiLayerNetwork, TrainingListener...)} for a ComputationGraph.
     *
     * @param net       the driver's graph
     * @param listeners the user's listeners (Serializable)
     * @return the listeners for {@code setListeners}
     */
    public static List<TrainingListener> executorListeners(ComputationGraph net, TrainingListener... listeners) {
        if (Drivers.sharpnessAware(net)) {
            return Collections.singletonList(SharpnessAware.install(net, listeners));
        }
        return new ArrayList<>(Arrays.asList(listeners));
    }
}
