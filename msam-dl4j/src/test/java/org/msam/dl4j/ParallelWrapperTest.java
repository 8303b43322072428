package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.ParallelWrapper.TrainingMode;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msam.config.AdamW;
import org.msam.config.Esam;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.rule.MsamRule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * {@link SharpnessAware#parallelWrapper}: data-parallel training (docs/ALGORITHMS.md, "Data-parallel training")
 * against one device on the union mini-batches, and against per-worker references.
 */
class ParallelWrapperTest {
    static final double L2 = 1e-3;
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final Msam MSAM = Msam.builder().base(SGD).rho(0.5).build();
    static final Sam SAM = Sam.builder().base(SGD).rho(0.05).build();
    static final int EPOCHS = 3;
    /** The exact tests: 20 mini-batches of 4 over 5 epochs, 50 rounds. */
    static final int LONG_EPOCHS = 5;

    /** 8 mini-batches of 4 examples. */
    static List<DataSet> batches() {
        return Nets.batches(8, 4, 3, DataType.DOUBLE);
    }

    static List<DataSet> longBatches() {
        return Nets.batches(20, 4, 5, DataType.DOUBLE);
    }

    /** (b1+b2, b3+b4, …): what one device sees when two workers take b1, b2, … */
    static List<DataSet> pairs(List<DataSet> batches) {
        List<DataSet> r = new ArrayList<>();
        for (int i = 0; i < batches.size(); i += 2) {
            r.add(DataSet.merge(batches.subList(i, Math.min(i + 2, batches.size()))));
        }
        return r;
    }

    static MultiLayerNetwork installed(IUpdater u) {
        return installed(u, 0);
    }

    /** @param clip the global gradient-norm clipping threshold (0: none) */
    static MultiLayerNetwork installed(IUpdater u, double clip) {
        MultiLayerNetwork net = Nets.mlp(u, DataType.DOUBLE, L2, false);
        org.deeplearning4j.optimize.api.TrainingListener[] extra = clip > 0
                ? new org.deeplearning4j.optimize.api.TrainingListener[] {new GlobalGradientClipping(clip)}
                : new org.deeplearning4j.optimize.api.TrainingListener[0];
        if (u instanceof Msam || u instanceof Sam || u instanceof LookSam) {
            SharpnessAware.install(net, extra);
        } else {
            if (u instanceof AdamW) {
                DecoupledWeightDecay.install(net);
            }
            List<org.deeplearning4j.optimize.api.TrainingListener> all = new ArrayList<>(net.getListeners());
            all.addAll(List.of(extra));
            net.setListeners(all);
        }
        return net;
    }

    static ParallelWrapper wrapper(Model net, int frequency, boolean averageUpdaters) {
        return SharpnessAware.parallelWrapper(net).workers(2).averagingFrequency(frequency)
                .averageUpdaters(averageUpdaters).trainingMode(TrainingMode.AVERAGING).prefetchBuffer(4).build();
    }

    static double[] theta(Model net) {
        return net.params().dup().toDoubleVector();
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        double e = Data.maxRelErr(actual, expected);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
    }

    static INDArray state(MultiLayerNetwork net) {
        return net.getUpdater(true).getStateViewArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "msam"})
    void twoWorkersEqualOneDeviceOnTheUnionBatches(String name) {
        IUpdater u = name.equals("msam") ? MSAM : SGD;
        List<DataSet> b = longBatches();

        MultiLayerNetwork one = installed(u);
        for (int e = 0; e < LONG_EPOCHS; e++) {
            one.fit(Nets.iterator(pairs(b)));
        }

        // one fit() per epoch, as users write it: momentum and MSAM's c carried across the calls
        MultiLayerNetwork perEpoch = installed(u);
        ParallelWrapper pw = wrapper(perEpoch, 1, true);
        for (int e = 0; e < LONG_EPOCHS; e++) {
            pw.fit(Nets.iterator(b));
        }
        // one fit() over all the epochs' mini-batches
        MultiLayerNetwork once = installed(u);
        List<DataSet> all = new ArrayList<>();
        for (int e = 0; e < LONG_EPOCHS; e++) {
            all.addAll(b);
        }
        wrapper(once, 1, true).fit(Nets.iterator(all));

        for (MultiLayerNetwork net : List.of(perEpoch, once)) {
            assertFalse(SharpnessAware.isPerturbed(net) && u instanceof Msam, "the network holds θ after fit");
            assertClose(theta(one), theta(net), 1e-9, name + " θ");
            assertClose(state(one).toDoubleVector(), state(net).toDoubleVector(), 1e-9, name + " optimizer state");
            assertEquals(one.getIterationCount(), net.getIterationCount());
        }
        assertEquals(LONG_EPOCHS, perEpoch.getEpochCount(), "each fit(iterator) is one epoch");
        assertEquals(LONG_EPOCHS * b.size() / 2, perEpoch.getIterationCount());
        if (u instanceof Msam) {
            MsamRule r = (MsamRule) SharpnessAware.listener(perEpoch).rule();
            MsamRule ref = (MsamRule) SharpnessAware.listener(one).rule();
            assertEquals(ref.scale(), r.scale(), 1e-9 * ref.scale(), "MSAM's c of the last step");
            SharpnessAware.applyPerturbation(perEpoch); // the next step's θ̃, as the hook before its pass
            assertEquals(MSAM.getRho() / (r.momentumNorm() + MsamRule.DELTA), r.scale(), 1e-15 * r.scale());
            SharpnessAware.removePerturbation(perEpoch);
        }
    }

    @Test
    void aComputationGraphTrainsAsOneDeviceToo() {
        List<DataSet> b = batches();
        ComputationGraph one = Nets.residual(MSAM, DataType.DOUBLE, L2);
        SharpnessAware.install(one);
        ComputationGraph two = Nets.residual(MSAM, DataType.DOUBLE, L2);
        SharpnessAware.install(two);
        ParallelWrapper pw = wrapper(two, 1, true);
        for (int e = 0; e < 2; e++) {
            one.fit(Nets.iterator(pairs(b)));
            pw.fit(Nets.iterator(b));
        }
        assertClose(theta(one), theta(two), 1e-9, "graph θ");

        ComputationGraph fromMulti = Nets.residual(MSAM, DataType.DOUBLE, L2);
        SharpnessAware.install(fromMulti);
        ParallelWrapper multi = wrapper(fromMulti, 1, true);
        for (int e = 0; e < 2; e++) {
            multi.fit(new org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter(Nets.iterator(b)));
        }
        assertArrayEquals(theta(two), theta(fromMulti), "fit(MultiDataSetIterator) trains as fit(DataSetIterator)");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void runsAreBitwiseReproducible(boolean dropout) {
        double[][] runs = new double[2][];
        for (int r = 0; r < 2; r++) {
            MultiLayerNetwork net = new MultiLayerNetwork(Nets.oneHiddenLayer(Nets.base(MSAM, DataType.DOUBLE, L2)
                    .dropOut(dropout ? 0.7 : 0)));
            net.init();
            SharpnessAware.install(net);
            org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(7);
            ParallelWrapper pw = wrapper(net, 1, true);
            for (int e = 0; e < EPOCHS; e++) {
                pw.fit(Nets.iterator(batches()));
            }
            runs[r] = theta(net);
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    /**
     * The per-worker reference: two single-device networks, each stepping on its own mini-batches (SAM: its own
     * ascent), θ (and the optimizer state) averaged every {@code frequency} rounds.
     */
    static double[] perWorker(IUpdater u, double clip, List<DataSet> b, int frequency, boolean averageState,
                              int epochs) {
        MultiLayerNetwork a = installed(u, clip);
        MultiLayerNetwork c = installed(u, clip);
        int rounds = 0;
        for (int e = 0; e < epochs; e++) {
            for (int i = 0; i < b.size(); i += 2) {
                a.fit(b.get(i));
                c.fit(b.get(i + 1));
                if (++rounds % frequency == 0) {
                    INDArray p = a.params().add(c.params()).muli(0.5);
                    a.params().assign(p);
                    c.params().assign(p);
                    if (averageState) {
                        INDArray s = state(a).add(state(c)).muli(0.5);
                        state(a).assign(s);
                        state(c).assign(s);
                    }
                }
            }
        }
        return theta(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sam-f1", "sgd-f2", "sam-f2", "sgd-f1-own-momentum", "adamw-f1", "sam-f1-clip"})
    void eachWorkerStepsOnItsOwnBatchesThenTheyAverage(String c) {
        IUpdater u = c.startsWith("sam") ? SAM
                : c.startsWith("adamw") ? AdamW.builder().learningRate(1e-2).weightDecay(0.05).build() : SGD;
        int frequency = c.contains("f2") ? 2 : 1;
        boolean averageState = !c.contains("own-momentum");
        double clip = c.endsWith("clip") ? 0.05 : 0;
        List<DataSet> b = batches();
        double[] expected = perWorker(u, clip, b, frequency, averageState, 2);
        MultiLayerNetwork net = installed(u, clip);
        ParallelWrapper pw = wrapper(net, frequency, averageState);
        for (int e = 0; e < 2; e++) {
            pw.fit(Nets.iterator(b));
        }
        assertClose(expected, theta(net), 1e-9, c);
        if (clip > 0) {
            Model replica = ((SharpnessAwareParallelWrapper) pw).workerModels().get(1);
            GlobalGradientClipping own = (GlobalGradientClipping) SharpnessAware.listener(replica).getUserListeners()
                    .get(0);
            assertTrue(own.lastNorm() > clip, "the replica's own clipping acted: norm " + own.lastNorm());
        }
    }

    @Test
    void msamReperturbsFromTheAveragedMomentumAtAnyFrequency() {
        for (boolean averageState : new boolean[] {true, false}) {
            MultiLayerNetwork net = installed(MSAM);
            SharpnessAwareParallelWrapper pw = (SharpnessAwareParallelWrapper) wrapper(net, 3, averageState);
            pw.fit(Nets.iterator(batches()));
            List<Model> models = pw.workerModels();
            assertEquals(2, models.size());
            double[] average = theta(net);
            for (Model m : models) {
                assertFalse(SharpnessAware.isPerturbed(m));
                assertArrayEquals(average, theta(m), "every worker holds the average θ̄ after fit");
                MsamRule r = (MsamRule) SharpnessAware.listener(m).rule();
                SharpnessAware.applyPerturbation(m); // the next step's θ̃, as the hook before its pass
                assertEquals(MSAM.getRho() / (r.momentumNorm() + MsamRule.DELTA), r.scale(), 1e-15 * r.scale(),
                        "c = ρ/(‖v‖ + δ) of the momentum the worker holds after averaging");
                SharpnessAware.removePerturbation(m);
            }
            double[] v0 = state((MultiLayerNetwork) models.get(0)).toDoubleVector();
            double[] v1 = state((MultiLayerNetwork) models.get(1)).toDoubleVector();
            assertEquals(averageState, java.util.Arrays.equals(v0, v1), "the momentum is averaged iff asked");
        }
    }

    /** Every rule of the library trains on two workers with a driver each (it would refuse a shared one). */
    @ParameterizedTest
    @ValueSource(strings = {"adaptive-msam", "bn-msam", "bn-sam", "looksam", "msam-adamw", "adaptive-sam", "nag", "esam",
        "mesa"})
    void everyRuleTrainsOnTwoWorkers(String c) {
        IUpdater u;
        switch (c) {
            case "adaptive-msam":
                u = Msam.builder().base(SGD).rho(0.5).adaptive(true).build();
                break;
            case "bn-msam":
                u = Msam.builder().base(SGD).rho(0.5).normalizationOnly(true).build();
                break;
            case "bn-sam":
                u = Sam.builder().base(SGD).rho(0.05).normalizationOnly(true).build();
                break;
            case "nag":
                u = SgdMomentum.builder().learningRate(0.1).momentum(0.9).nesterov(true).build();
                break;
            case "looksam":
                u = LookSam.builder().base(SGD).rho(0.05).period(2).alpha(0.7).build();
                break;
            case "msam-adamw":
                u = Msam.builder().base(AdamW.builder().learningRate(1e-2).build()).rho(0.5).build();
                break;
            case "esam":
                u = Esam.builder().base(SGD).rho(0.05).weightFraction(0.5).sampleFraction(0.5).seed(3).build();
                break;
            case "mesa":
                u = Mesa.builder().base(SGD).lambda(0.8).temperature(5).emaDecay(0.9).startEpoch(0).build();
                break;
            default:
                u = Sam.builder().base(SGD).rho(0.05).adaptive(true).build();
        }
        MultiLayerNetwork net = Nets.mlp(u, DataType.DOUBLE, L2, c.startsWith("bn"));
        if (!(u instanceof SgdMomentum)) {
            SharpnessAware.install(net);
        }
        double before = net.score(batches().get(0));
        ParallelWrapper pw = wrapper(net, 1, true);
        for (int e = 0; e < 4; e++) {
            pw.fit(Nets.iterator(batches()));
        }
        assertFalse(!(u instanceof SgdMomentum) && SharpnessAware.isPerturbed(net));
        assertEquals(16, net.getIterationCount());
        double after = net.score(batches().get(0));
        assertTrue(after < before, c + ": loss " + before + " -> " + after);
    }

    /** Records θ at every callback a user's listener receives. */
    static final class Recorder extends BaseTrainingListener {
        final List<double[]> thetas = new ArrayList<>();
        final List<String> perturbedAt = new ArrayList<>();
        /** (iteration, epoch) at each iterationDone, then the epoch counter at each onEpochEnd. */
        final List<String> counters = new ArrayList<>();
        int epochsStarted;
        int epochsEnded;
        int gradients;
        File checkpoint;
        int saveAt = -1;

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (SharpnessAware.isPerturbed(model)) {
                perturbedAt.add("iterationDone " + iteration);
            }
            thetas.add(theta(model));
            counters.add(iteration + "/" + epoch);
            if (iteration == saveAt) {
                try {
                    ModelSerializer.writeModel(model, checkpoint, true);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public void onEpochStart(Model model) {
            epochsStarted++;
        }

        @Override
        public void onGradientCalculation(Model model) {
            gradients++;
        }

        @Override
        public void onEpochEnd(Model model) {
            epochsEnded++;
            counters.add("end " + ((MultiLayerNetwork) model).getEpochCount());
            if (SharpnessAware.isPerturbed(model)) {
                perturbedAt.add("onEpochEnd");
            }
        }
    }

    @Test
    void userListenersSeeTheAveragedTrueWeightsAndCheckpointsResumeExactly(@TempDir Path dir) throws Exception {
        List<DataSet> b = batches();
        MultiLayerNetwork one = installed(MSAM);
        Recorder oneSeen = new Recorder();
        SharpnessAware.install(one, oneSeen);
        for (int e = 0; e < 2; e++) {
            one.fit(Nets.iterator(pairs(b)));
        }

        MultiLayerNetwork net = installed(MSAM);
        Recorder seen = new Recorder();
        seen.checkpoint = dir.resolve("checkpoint.zip").toFile();
        seen.saveAt = 1;
        SharpnessAware.install(net, seen);
        ParallelWrapper pw = wrapper(net, 1, true);
        for (int e = 0; e < 2; e++) {
            pw.fit(Nets.iterator(b));
        }
        assertEquals(List.of(), seen.perturbedAt);
        assertEquals(2, seen.epochsStarted);
        assertEquals(2, seen.epochsEnded);
        assertEquals(8, seen.gradients, "worker 0's step callbacks, once per round");
        assertEquals(oneSeen.counters, seen.counters, "iteration and epoch as one device reports them");
        assertEquals(oneSeen.thetas.size(), seen.thetas.size());
        for (int i = 0; i < seen.thetas.size(); i++) {
            assertClose(oneSeen.thetas.get(i), seen.thetas.get(i), 1e-9, "θ seen at iteration " + i);
        }
        assertEquals(List.of(seen), SharpnessAware.listener(net).getUserListeners(), "listeners given back");

        // resume from the checkpoint written after round 2 (iteration 1): the rest of epoch 0, then epoch 1
        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(seen.checkpoint, true);
        SharpnessAware.install(resumed);
        ParallelWrapper again = wrapper(resumed, 1, true);
        again.fit(Nets.iterator(b.subList(4, 8)));
        again.fit(Nets.iterator(b));
        assertArrayEquals(theta(net), theta(resumed), "resumed run equals the uninterrupted one bitwise");
        assertArrayEquals(state(net).toDoubleVector(), state(resumed).toDoubleVector());
    }

    /** Three Gaussian blobs in {@value Nets#IN} dimensions, one per class, centres 2 apart. */
    static final class Blobs {
        static List<DataSet> make(int examples, int batch, long seed) {
            java.util.Random rnd = new java.util.Random(seed);
            double[][] centre = new double[Nets.OUT][Nets.IN];
            java.util.Random c = new java.util.Random(99);
            for (double[] m : centre) {
                for (int j = 0; j < m.length; j++) {
                    m[j] = 2 * c.nextGaussian();
                }
            }
            List<DataSet> r = new ArrayList<>();
            for (int start = 0; start < examples; start += batch) {
                double[][] f = new double[batch][Nets.IN];
                double[][] l = new double[batch][Nets.OUT];
                for (int i = 0; i < batch; i++) {
                    int k = rnd.nextInt(Nets.OUT);
                    for (int j = 0; j < Nets.IN; j++) {
                        f[i][j] = centre[k][j] + rnd.nextGaussian();
                    }
                    l[i][k] = 1;
                }
                r.add(new DataSet(org.nd4j.linalg.factory.Nd4j.create(f), org.nd4j.linalg.factory.Nd4j.create(l)));
            }
            return r;
        }
    }

    @Test
    void sharedGradientsTrainToTheAccuracyOfOneDevice() {
        List<DataSet> train = Blobs.make(384, 32, 1);
        DataSet test = DataSet.merge(Blobs.make(256, 256, 2));
        for (IUpdater u : List.of(SGD, MSAM)) {
            MultiLayerNetwork one = installed(u);
            MultiLayerNetwork two = installed(u);
            // DL4J's default adaptive threshold starts at 1e-4 (at most that much change per parameter and step)
            // and needs far more steps than this problem has to grow
            ParallelWrapper pw = SharpnessAware.parallelWrapper(two).workers(2)
                    .trainingMode(TrainingMode.SHARED_GRADIENTS)
                    .thresholdAlgorithm(new FixedThresholdAlgorithm(1e-2)).build();
            for (int e = 0; e < 3; e++) {
                one.fit(Nets.iterator(train));
                pw.fit(Nets.iterator(train));
            }
            double a1 = one.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                    List.of(test))).accuracy();
            double a2 = two.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                    List.of(test))).accuracy();
            assertTrue(a1 > 0.8, u + ": one device reaches " + a1);
            assertTrue(Math.abs(a1 - a2) <= 0.05, u + ": one device " + a1 + ", two workers sharing updates " + a2);
            assertFalse(SharpnessAware.isPerturbed(two));
        }
    }

    @RepeatedTest(3)
    void aPlainParallelWrapperOnAnInstalledNetworkIsRefused() {
        MultiLayerNetwork net = installed(MSAM);
        ParallelWrapper pw = new ParallelWrapper.Builder<>(net).workers(2).averagingFrequency(1).build();
        RuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(RuntimeException.class, () -> pw.fit(Nets.iterator(batches()))));
        Throwable t = e;
        StringBuilder messages = new StringBuilder();
        while (t != null) {
            messages.append(t.getMessage()).append('\n');
            t = t.getCause();
        }
        assertTrue(messages.toString().contains("SharpnessAware.parallelWrapper(net)"), messages.toString());
    }

    @Test
    void badSettingsAreRefused() {
        MultiLayerNetwork net = installed(MSAM);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SharpnessAware.parallelWrapper(net).workers(2).averagingFrequency(0).build());
        assertTrue(e.getMessage().contains("averagingFrequency must be at least 1"), e.getMessage());
        MultiLayerNetwork fresh = new MultiLayerNetwork(Nets.mlpConf(SGD, DataType.DOUBLE, 0, false));
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> SharpnessAware.parallelWrapper(fresh));
        assertTrue(s.getMessage().contains("net.init()"), s.getMessage());
    }

    /**
     * A non-finite mini-batch on any worker of a round (here worker 1, which no user listener watches) is refused
     * before any worker steps: the round is all or nothing, and the network keeps θ and the optimizer state of the
     * round before (to rounding, for MSAM's θ̃ round trip); training then goes on.
     */
    @org.junit.jupiter.api.Test
    void aNonFiniteBatchOnAnyWorkerLeavesTheRoundUnapplied() throws Exception {
        for (IUpdater u : List.of(SGD, MSAM)) {
            MultiLayerNetwork net = installed(u);
            ParallelWrapper pw = wrapper(net, 1, true);
            List<DataSet> good = batches();
            pw.fit(Nets.iterator(good.subList(0, 4)));
            double[] before = theta(net);
            double[] state = net.getUpdater(true).getStateViewArray().dup().toDoubleVector();
            int iteration = net.getIterationCount();
            for (int bad : new int[] {1, 0}) {
                List<DataSet> round = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    DataSet ds = good.get(4 + k).copy();
                    if (k == bad) {
                        ds.getFeatures().putScalar(0, 0, Double.NaN);
                    }
                    round.add(ds);
                }
                ArithmeticException e = assertThrows(ArithmeticException.class,
                        () -> pw.fit(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(round, 4)),
                        u + ", worker " + bad);
                assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
                double[] now = theta(net);
                for (int i = 0; i < now.length; i++) {
                    assertEquals(before[i], now[i], 1e-15 * Math.max(1, Math.abs(before[i])),
                            u + ", worker " + bad + ": θ " + i);
                }
                assertArrayEquals(state, net.getUpdater(true).getStateViewArray().toDoubleVector(), 0.0,
                        u + ", worker " + bad + ": optimizer state");
                assertEquals(iteration, net.getIterationCount());
                assertFalse(SharpnessAware.isPerturbed(net));
            }
            pw.fit(Nets.iterator(good.subList(4, 8)));
            for (double x : theta(net)) {
                assertTrue(Double.isFinite(x));
            }
            pw.close();
        }
    }
}
