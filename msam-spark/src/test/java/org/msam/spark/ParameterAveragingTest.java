package org.msam.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.msam.spark.Fixtures.BATCH;
import static org.msam.spark.Fixtures.WORKERS;
import static org.msam.spark.Fixtures.maxAbsDiff;
import static org.msam.spark.Fixtures.measured;
import static org.msam.spark.Fixtures.state;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.SharpnessAware;
import org.msam.spark.Fixtures.RecordingHook;
import org.msam.spark.Fixtures.ThetaProbe;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * dl4j-spark's parameter averaging in local[2] mode: 2 workers, averaging frequency 1, mini-batches of 4. dl4j-spark
 * pairs the RDD's mini-batches into rounds at random, so every worker's mini-batch is recorded (by the iteration it
 * is trained at) and the one-device reference trains on each round's union batch, in round order.
 */
class ParameterAveragingTest {
    /** Rounds per fit: 12 mini-batches of the RDD, two per round. */
    private static final int ROUNDS = 6;
    private static final double TOL = 1e-9;

    @TempDir
    Path tmp;

    @BeforeEach
    void clear() {
        Fixtures.clearRecords();
    }

    private static IUpdater sgdMomentum() {
        return SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    }


    private static TrainingMaster<?, ?> master(long seed) {
        return Fixtures.master(seed, 1);
    }

    private static JavaRDD<DataSet> rdd(long seed) {
        return Fixtures.rdd(WORKERS * ROUNDS, seed);
    }

    /** Trains {@code fits} epochs on Spark and checks θ and the optimizer state against one device. */
    private static MultiLayerNetwork trainAndCompare(IUpdater updater, boolean sharpnessAware, int fits) {
        MultiLayerConfiguration conf = Fixtures.mlp(updater);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray initial = net.params().dup();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(Fixtures.spark(), net, master(7));
        for (int e = 0; e < fits; e++) {
            spark.fit(rdd(100 + e));
        }
        List<DataSet> unions = Fixtures.unionBatches(WORKERS, BATCH);
        assertEquals(fits * ROUNDS, unions.size());
        MultiLayerNetwork ref = Fixtures.reference(conf, initial, unions, sharpnessAware, null);
        assertTrue(maxAbsDiff(initial, ref.params()) > 1e-2, "training moved the weights");
        assertTrue(measured(updater.getClass().getSimpleName() + " θ", maxAbsDiff(ref.params(), net.params())) <= TOL);
        assertTrue(measured(updater.getClass().getSimpleName() + " state", maxAbsDiff(state(ref), state(net))) <= TOL);
        assertEquals(fits * ROUNDS, net.getIterationCount());
        return net;
    }

    @Test
    void sgdMomentumEqualsOneDeviceOnTheUnionBatches() {
        trainAndCompare(sgdMomentum(), false, 2);
    }

    @Test
    void msamEqualsOneDeviceOnTheUnionBatchesAndEndsAtTheTrueWeights() {
        MultiLayerNetwork net = trainAndCompare(Fixtures.msam(), true, 2);
        assertFalse(SharpnessAware.isPerturbed(net), "the result of fit holds θ");
    }

    /**
     * SAM: each worker's ascent uses its own mini-batch gradient, so a round equals the average of one-device SAM
     * steps on each worker's mini-batch from the averaged model, and not SAM on the union batch.
     */
    @Test
    void samPerturbsWithEachWorkersOwnGradient() {
        MultiLayerConfiguration conf = Fixtures.mlp(Sam.builder()
                .base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(0.1).build());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray initial = net.params().dup();
        new SparkDl4jMultiLayer(Fixtures.spark(), net, master(23)).fit(rdd(500));
        MultiLayerNetwork perWorker = Fixtures.perWorkerReference(conf, initial);
        assertTrue(measured("SAM θ", maxAbsDiff(perWorker.params(), net.params())) <= TOL);
        assertTrue(maxAbsDiff(state(perWorker), state(net)) <= TOL, "state: " + maxAbsDiff(state(perWorker),
                state(net)));
        MultiLayerNetwork union = Fixtures.reference(conf, initial, Fixtures.unionBatches(WORKERS, BATCH), true, null);
        assertTrue(measured("SAM vs SAM on the union batch", maxAbsDiff(union.params(), net.params())) > 1e-6);
    }

    /** dl4j-spark's default data path: the RDD is first exported to files, which the workers read back. */
    @Test
    void msamWithExportedDataEqualsOneDevice() {
        MultiLayerConfiguration conf = Fixtures.mlp(Fixtures.msam());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray initial = net.params().dup();
        TrainingMaster<?, ?> tm = SharpnessAwareSpark.parameterAveraging(WORKERS, BATCH).batchSizePerWorker(BATCH)
                .averagingFrequency(1).workerPrefetchNumBatches(0).rddTrainingApproach(RDDTrainingApproach.Export)
                .exportDirectory(tmp.resolve("export").toUri().toString()).rngSeed(29)
                .trainingHooks(new RecordingHook()).build();
        new SparkDl4jMultiLayer(Fixtures.spark(), net, tm).fit(rdd(600));
        MultiLayerNetwork ref = Fixtures.reference(conf, initial, Fixtures.unionBatches(WORKERS, BATCH), true, null);
        assertTrue(maxAbsDiff(ref.params(), net.params()) <= TOL, "θ: " + maxAbsDiff(ref.params(), net.params()));
        assertTrue(maxAbsDiff(state(ref), state(net)) <= TOL, "state: " + maxAbsDiff(state(ref), state(net)));
        assertFalse(SharpnessAware.isPerturbed(net));
    }

    @Test
    void msamOnAComputationGraphEqualsOneDevice() {
        ComputationGraphConfiguration conf = Fixtures.graph(Fixtures.msam());
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        INDArray initial = net.params().dup();
        SparkComputationGraph spark = new SparkComputationGraph(Fixtures.spark(), net, master(11));
        spark.fit(rdd(200));
        ComputationGraph ref = Fixtures.referenceGraph(conf, initial, Fixtures.unionBatches(WORKERS, BATCH));
        assertTrue(maxAbsDiff(ref.params(), net.params()) <= TOL, "θ: " + maxAbsDiff(ref.params(), net.params()));
        assertTrue(maxAbsDiff(state(ref), state(net)) <= TOL, "state: " + maxAbsDiff(state(ref), state(net)));
        assertFalse(SharpnessAware.isPerturbed(net));
    }

    private static double plainMasterError(TrainingHook driverHook) {
        MultiLayerConfiguration conf = Fixtures.mlp(Fixtures.msam());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray initial = net.params().dup();
        ParameterAveragingTrainingMaster plain = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(1).workerPrefetchNumBatches(0).saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(7)
                .trainingHooks(driverHook, new RecordingHook()).build();
        SharpnessAware.install(net);
        new SparkDl4jMultiLayer(Fixtures.spark(), net, plain).fit(rdd(100));
        MultiLayerNetwork ref = Fixtures.reference(conf, initial, Fixtures.unionBatches(WORKERS, BATCH), true, null);
        return maxAbsDiff(ref.params(), net.params());
    }

    /**
     * dl4j-spark's own master with MSAM's driver installed on every copy, by a user's hook that does nothing else or by
     * the library's hook: the driver holds θ outside every step, so the workers return θ, never θ̃ (averaging θ̃ was
     * off the one-device trajectory by 0.25 here), and the optimizer state is v alone, from which the next step derives
     * c = ρ/(‖v̄‖ + δ). dl4j-spark's own averaging of θ and the state is therefore MSAM on the union batch, as with the
     * library's master.
     */
    @Test
    void theDriverAloneOnDl4jSparksOwnMasterIsOneDevice() {
        double installOnly = measured("driver only, dl4j-spark's master", plainMasterError(new InstallOnly()));
        Fixtures.clearRecords();
        double hook = measured("library's hook, dl4j-spark's master", plainMasterError(new SharpnessAwareTrainingHook()));
        assertTrue(installOnly <= TOL, "driver only: " + installOnly);
        assertTrue(hook <= TOL, "hook: " + hook);
    }

    /**
     * dl4j-spark's own master without any hook: the workers' copies run the Msam updater without a driver, and the
     * job fails with the updater's message, which names the trainer to use instead.
     */
    @Test
    void aPlainMasterWithoutTheHookFailsNamingTheFix() {
        MultiLayerNetwork net = new MultiLayerNetwork(Fixtures.mlp(Fixtures.msam()));
        net.init();
        SharpnessAware.install(net);
        ParameterAveragingTrainingMaster plain = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(1).workerPrefetchNumBatches(0).saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(7).build();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(Fixtures.spark(), net, plain);
        Exception e = assertThrows(Exception.class, () -> spark.fit(rdd(40)));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("ran without its training driver")
                && messages.toString().contains("SharpnessAwareSpark.parameterAveraging"), messages.toString());
    }

    /** Installs MSAM's driver on each worker's copy and nothing else. */
    static final class InstallOnly implements TrainingHook {
        private static final long serialVersionUID = 1L;

        @Override
        public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            SharpnessAware.install((MultiLayerNetwork) model);
        }

        @Override
        public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
        }
    }

    /** A listener on the SparkDl4jMultiLayer runs on each worker's copy when it holds θ (not θ̃). */
    @Test
    void aUserListenerSeesTheTrueWeights() {
        userListenerSeesTheTrueWeights(false);
    }

    /**
     * The same with the listener inside the driver's own SharpnessAwareListener ({@link
     * SharpnessAwareSpark#executorListeners}), Java-serialized to the executors and bound there to each copy.
     */
    @Test
    void theDriversListenerTravelsToTheExecutors() {
        userListenerSeesTheTrueWeights(true);
    }

    private void userListenerSeesTheTrueWeights(boolean viaDriver) {
        MultiLayerConfiguration conf = Fixtures.mlp(Fixtures.msam());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray initial = net.params().dup();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(Fixtures.spark(), net, master(13));
        if (viaDriver) {
            spark.setListeners(SharpnessAwareSpark.executorListeners(net, new ThetaProbe()));
        } else {
            spark.setListeners(new ThetaProbe());
        }
        spark.fit(rdd(300));
        List<INDArray> thetaAfter = new ArrayList<>();
        MultiLayerNetwork ref = Fixtures.reference(conf, initial, Fixtures.unionBatches(WORKERS, BATCH), true,
                thetaAfter);
        assertTrue(maxAbsDiff(ref.params(), net.params()) <= TOL, "θ: " + maxAbsDiff(ref.params(), net.params()));
        assertTrue(ThetaProbe.PERTURBED.isEmpty(), "perturbed at " + ThetaProbe.PERTURBED.keySet());
        assertEquals(ROUNDS, ThetaProbe.SEEN.size());
        for (int t = 0; t < ROUNDS; t++) {
            List<INDArray> seen = ThetaProbe.SEEN.get(t);
            assertEquals(WORKERS, seen.size(), "round " + t);
            // each worker's θ after its local step; their mean is θ after the one-device step on the union batch
            INDArray mean = seen.get(0).add(seen.get(1)).divi(2);
            assertTrue(maxAbsDiff(thetaAfter.get(t), mean) <= TOL, "round " + t + ": "
                    + maxAbsDiff(thetaAfter.get(t), mean));
        }
    }

    /** A checkpoint written after one Spark epoch resumes exactly: two epochs with a restart equal one device. */
    @Test
    void aCheckpointResumesExactly() throws Exception {
        MultiLayerConfiguration conf = Fixtures.mlp(Fixtures.msam());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray initial = net.params().dup();
        new SparkDl4jMultiLayer(Fixtures.spark(), net, master(17)).fit(rdd(400));
        File file = tmp.resolve("checkpoint.zip").toFile();
        ModelSerializer.writeModel(net, file, true);

        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(0.0, maxAbsDiff(net.params(), restored.params()), "the checkpoint holds θ");
        new SparkDl4jMultiLayer(Fixtures.spark(), restored, master(19)).fit(rdd(401));

        List<DataSet> unions = Fixtures.unionBatches(WORKERS, BATCH);
        assertEquals(2 * ROUNDS, unions.size());
        MultiLayerNetwork ref = Fixtures.reference(conf, initial, unions, true, null);
        assertTrue(measured("checkpoint θ", maxAbsDiff(ref.params(), restored.params())) <= TOL);
        assertTrue(maxAbsDiff(state(ref), state(restored)) <= TOL, "state: " + maxAbsDiff(state(ref),
                state(restored)));
    }

    @Test
    void saveUpdaterFalseIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SharpnessAwareSpark.parameterAveraging(BATCH).saveUpdater(false).build());
        assertTrue(e.getMessage().contains("saveUpdater(false)"), e.getMessage());
    }
}
