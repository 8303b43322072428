package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.msam.config.AdamW;
import org.msam.config.Esam;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefAdamW;
import org.msam.reference.RefMsam;
import org.msam.reference.RefOptimizer;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Gradient accumulation (docs/ALGORITHMS.md, "Gradient accumulation"): k micro-batches per optimizer step, on both
 * network types, against the un-accumulated big batch and against the double-precision references.
 */
class AccumulationTest {
    static final int K = 3;
    static final int MICRO = 4;
    static final int WINDOWS = 3;
    static final int EPOCHS = 2;
    static final double L2 = 1e-3;
    /** η by step: 0.1 for steps 0-1, 0.05 from step 2 on (an iteration schedule, which must count steps). */
    static final Map<Integer, Double> LR = Map.of(0, 0.1, 2, 0.05);
    static final SgdMomentum SGD = SgdMomentum.builder().learningRateSchedule(new MapSchedule(ScheduleType.ITERATION,
            new HashMap<>(LR))).momentum(0.9).build();

    static double lr(int step) {
        return step < 2 ? 0.1 : 0.05;
    }

    /** The rules whose accumulated step is exactly the big batch's. */
    enum Exact {
        SGD(0), NAG(0), ADAMW(0), MSAM(0.5), MSAM_ADAMW(0.2);

        final double rho;

        Exact(double rho) {
            this.rho = rho;
        }

        boolean adamW() {
            return this == ADAMW || this == MSAM_ADAMW;
        }

        double l2() {
            return adamW() ? 0 : L2;
        }

        IUpdater base() {
            if (adamW()) {
                return AdamW.builder().learningRate(1e-2).weightDecay(0.05).build();
            }
            return this == NAG ? AccumulationTest.SGD.toBuilder().nesterov(true).build() : AccumulationTest.SGD;
        }

        IUpdater config() {
            return rho == 0 ? base() : Msam.builder().base(base()).rho(rho).build();
        }

        RefOptimizer reference(int n) {
            return adamW() ? new RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.05, null, n)
                    : new RefSgd(AccumulationTest::lr, 0.9, 0, this == NAG, rho == 0 ? L2 : 0, n);
        }
    }

    static Model net(boolean graph, IUpdater updater, double l2) {
        return graph ? Nets.residual(updater, DataType.DOUBLE, l2) : Nets.mlp(updater, DataType.DOUBLE, l2, false);
    }

    static SharpnessAwareListener install(Model net, Accumulation a) {
        return net instanceof MultiLayerNetwork ? SharpnessAware.install((MultiLayerNetwork) net, a)
                : SharpnessAware.install((ComputationGraph) net, a);
    }

    static void fit(Model net, List<DataSet> batches, int epochs) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches), epochs);
        } else {
            ((ComputationGraph) net).fit(Nets.iterator(batches), epochs);
        }
    }

    static void fit(Model net, DataSet batch) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(batch);
        } else {
            ((ComputationGraph) net).fit(batch);
        }
    }

    static int iterations(Model net) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getIterationCount()
                : ((ComputationGraph) net).getIterationCount();
    }

    /** @return each group of {@code k} consecutive micro-batches merged into one batch */
    static List<DataSet> windows(List<DataSet> micro, int k) {
        List<DataSet> r = new ArrayList<>();
        for (int i = 0; i < micro.size(); i += k) {
            r.add(DataSet.merge(micro.subList(i, Math.min(micro.size(), i + k))));
        }
        return r;
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        double e = Data.maxRelErr(actual, expected);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
    }

    @ParameterizedTest
    @EnumSource(Exact.class)
    void kMicroBatchesAreOneBigBatchOnBothNetworkTypes(Exact rule) {
        List<DataSet> micro = Nets.batches(K * WINDOWS, MICRO, 7, DataType.DOUBLE);
        List<DataSet> big = windows(micro, K);
        for (boolean graph : new boolean[] {false, true}) {
            Model acc = net(graph, rule.config(), rule.l2());
            Model one = net(graph, rule.config(), rule.l2());
            double[] theta0 = acc.params().toDoubleVector();
            one.setParams(acc.params().dup());
            install(acc, Accumulation.steps(K));
            install(one, Accumulation.none());
            fit(acc, micro, EPOCHS);
            fit(one, big, EPOCHS);
            String what = rule + (graph ? " on a ComputationGraph" : " on a MultiLayerNetwork");
            assertEquals(WINDOWS * EPOCHS, iterations(acc), what + ": the iteration count counts steps");
            assertFalse(SharpnessAware.isPerturbed(acc), what + ": θ after fit");
            assertClose(one.params().toDoubleVector(), acc.params().toDoubleVector(), 1e-12,
                    what + ": accumulated vs one batch of k·b");

            Oracle oracle = new Oracle(net(graph, new Sgd(0), 0));
            double[] reference;
            if (rule.rho == 0) {
                RefOptimizer ref = rule.reference(theta0.length);
                double[] theta = theta0.clone();
                int t = 0;
                for (int e = 0; e < EPOCHS; e++) {
                    for (DataSet b : big) {
                        ref.step(theta, oracle.gradient(theta, b), t++);
                    }
                }
                reference = theta;
            } else {
                RefMsam ref = new RefMsam(rule.reference(theta0.length), t -> rule.rho, rule.l2(), theta0);
                int t = 0;
                for (int e = 0; e < EPOCHS; e++) {
                    for (DataSet b : big) {
                        ref.step(oracle.gradient(ref.held(), b), t++);
                    }
                }
                reference = ref.theta();
            }
            assertClose(reference, acc.params().toDoubleVector(), 1e-9, what + ": against the reference");
        }
    }

    /**
     * SAM and adaptive SAM, m-sharpness with m = micro-batch: each micro-batch ascends along its own gradient, the
     * step uses the example-weighted mean of the second-pass gradients.
     */
    @Test
    void samAscendsPerMicroBatchAndAveragesTheSecondPass() {
        List<DataSet> micro = Nets.batches(K * WINDOWS, MICRO, 8, DataType.DOUBLE);
        for (boolean adaptive : new boolean[] {false, true}) {
            Sam cfg = Sam.builder().base(SGD).rho(0.1).adaptive(adaptive).build();
            ComputationGraph net = Nets.residual(cfg, DataType.DOUBLE, L2);
            SharpnessAware.install(net, Accumulation.steps(K));
            double[] theta = net.params().toDoubleVector();
            Oracle oracle = new Oracle(Nets.residual(new Sgd(0), DataType.DOUBLE, 0));
            RefSgd base = new RefSgd(AccumulationTest::lr, 0.9, 0, false, L2, theta.length);
            int t = 0;
            for (int e = 0; e < EPOCHS; e++) {
                for (int w = 0; w < WINDOWS; w++) {
                    double[] mean = new double[theta.length];
                    int examples = 0;
                    for (int j = 0; j < K; j++) {
                        DataSet b = micro.get(w * K + j);
                        double[] g2 = samSecondPass(oracle, theta, b, 0.1, adaptive);
                        for (int i = 0; i < mean.length; i++) {
                            mean[i] += g2[i] * b.numExamples();
                        }
                        examples += b.numExamples();
                    }
                    for (int i = 0; i < mean.length; i++) {
                        mean[i] /= examples;
                    }
                    base.step(theta, mean, t++);
                }
            }
            net.fit(Nets.iterator(micro), EPOCHS);
            assertClose(theta, net.params().toDoubleVector(), 1e-9, "SAM adaptive=" + adaptive);
        }
    }

    /** @return ∇L_b(θ + e) with e = ρ·g1/(‖g1‖ + δ) from b's own gradient g1 (adaptive: T = |θ| + 0.01) */
    static double[] samSecondPass(Oracle oracle, double[] theta, DataSet b, double rho, boolean adaptive) {
        double[] g1 = oracle.gradient(theta, b);
        double sq = 0;
        for (int i = 0; i < g1.length; i++) {
            double t = adaptive ? Math.abs(theta[i]) + 0.01 : 1;
            sq += t * g1[i] * t * g1[i];
        }
        double scale = rho / (Math.sqrt(sq) + 1e-12);
        double[] p = theta.clone();
        for (int i = 0; i < p.length; i++) {
            double t = adaptive ? Math.abs(theta[i]) + 0.01 : 1;
            p[i] += scale * t * t * g1[i];
        }
        return oracle.gradient(p, b);
    }

    enum Every {
        SGD, NAG, ADAMW, MSAM, MSAM_ADAMW, SAM, ASAM, LOOKSAM, ESAM, MESA, BNSAM, BNMSAM;

        IUpdater config() {
            switch (this) {
                case SAM:
                    return Sam.builder().base(AccumulationTest.SGD).rho(0.1).build();
                case ASAM:
                    return Sam.builder().base(AccumulationTest.SGD).rho(0.1).adaptive(true).build();
                case LOOKSAM:
                    return LookSam.builder().base(AccumulationTest.SGD).rho(0.1).period(2).alpha(0.5).build();
                case ESAM:
                    return Esam.builder().base(AccumulationTest.SGD).rho(0.1).weightFraction(0.5).sampleFraction(0.5)
                            .seed(3).build();
                case MESA:
                    return Mesa.builder().base(AccumulationTest.SGD).lambda(0.8).temperature(2).emaDecay(0.9)
                            .startEpoch(0).build();
                case BNSAM:
                    return Sam.builder().base(AccumulationTest.SGD).rho(0.1).normalizationOnly(true).build();
                case BNMSAM:
                    return Msam.builder().base(AccumulationTest.SGD).rho(0.5).normalizationOnly(true).build();
                default:
                    return Exact.valueOf(name()).config();
            }
        }

        boolean batchNorm() {
            return this == BNSAM || this == BNMSAM;
        }
    }

    /**
     * Every rule: a window of k copies of one mini-batch takes the step of that mini-batch (each copy ascends along
     * the same gradient, LookSAM's g_v and ESAM's mask and selection are the same, MESA's EMA is fixed over the
     * window), so accumulation reduces to the un-accumulated rule. With BatchNorm, the running statistics are
     * updated by every micro-batch and are left out of the comparison.
     */
    @ParameterizedTest
    @EnumSource(Every.class)
    void aWindowOfCopiesOfOneMiniBatchIsThatMiniBatchsStep(Every rule) {
        List<DataSet> batches = Nets.batches(4, 8, 9, DataType.DOUBLE);
        List<DataSet> copies = new ArrayList<>();
        for (DataSet b : batches) {
            for (int j = 0; j < K; j++) {
                copies.add(b);
            }
        }
        MultiLayerNetwork acc = Nets.mlp(rule.config(), DataType.DOUBLE, L2, rule.batchNorm());
        MultiLayerNetwork one = Nets.mlp(rule.config(), DataType.DOUBLE, L2, rule.batchNorm());
        one.setParams(acc.params().dup());
        SharpnessAware.install(acc, Accumulation.steps(K));
        SharpnessAware.install(one, Accumulation.none());
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : copies) {
                acc.fit(b);
            }
            acc.incrementEpochCount();
            for (DataSet b : batches) {
                one.fit(b);
            }
            one.incrementEpochCount();
        }
        assertEquals(batches.size() * EPOCHS, acc.getIterationCount(), rule + ": steps");
        assertClose(trainable(one), trainable(acc), 1e-12, rule + ": k copies vs one mini-batch");
    }

    static double[] flat(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dup().reshape(a.length()).toDoubleVector();
    }

    /** @return the parameters other than BatchNorm's running statistics */
    static double[] trainable(MultiLayerNetwork net) {
        List<Double> r = new ArrayList<>();
        for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : net.paramTable().entrySet()) {
            String name = e.getKey().substring(e.getKey().indexOf('_') + 1);
            if (!name.equals("mean") && !name.equals("var") && !name.equals("log10stdev")) {
                for (double d : flat(e.getValue())) {
                    r.add(d);
                }
            }
        }
        return r.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * A fit(DataSet) loop whose windows end on a short micro-batch (4, 4, 2 examples): the step is the big batch's
     * (mean weighted by example counts); between the calls the network holds θ of the last step, its outputs are θ's,
     * the iteration count counts steps, and the listeners given to install see one iterationDone per step.
     */
    @ParameterizedTest
    @EnumSource(value = Exact.class, names = {"SGD", "MSAM"})
    void aFitLoopWithShortMicroBatches(Exact rule) {
        List<DataSet> micro = new ArrayList<>();
        List<DataSet> four = Nets.batches(2 * WINDOWS, 4, 11, DataType.DOUBLE);
        List<DataSet> two = Nets.batches(WINDOWS, 2, 12, DataType.DOUBLE);
        for (int w = 0; w < WINDOWS; w++) {
            micro.add(four.get(2 * w));
            micro.add(four.get(2 * w + 1));
            micro.add(two.get(w));
        }
        for (boolean graph : new boolean[] {false, true}) {
            String what = rule + (graph ? " on a ComputationGraph" : " on a MultiLayerNetwork");
            List<Integer> seen = new ArrayList<>();
            Model acc = net(graph, rule.config(), rule.l2());
            Model one = net(graph, rule.config(), rule.l2());
            one.setParams(acc.params().dup());
            BaseTrainingListener counter = new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    seen.add(iteration);
                }
            };
            if (graph) {
                SharpnessAware.install((ComputationGraph) acc, Accumulation.steps(K), counter);
            } else {
                SharpnessAware.install((MultiLayerNetwork) acc, Accumulation.steps(K), counter);
            }
            install(one, Accumulation.none());
            DataSet probe = micro.get(0);
            for (int i = 0; i < micro.size(); i++) {
                double[] before = acc.params().toDoubleVector();
                fit(acc, micro.get(i));
                assertFalse(SharpnessAware.isPerturbed(acc), what + ": θ after micro-batch " + i);
                assertEquals((i + 1) / K, iterations(acc), what + ": steps after micro-batch " + i);
                if ((i + 1) % K != 0) {
                    assertClose(before, acc.params().toDoubleVector(), 1e-15, what + ": no step inside a window");
                    Model copy = net(graph, new Sgd(0), 0);
                    copy.setParams(acc.params());
                    assertArrayEquals(flat(output(copy, probe)), flat(output(acc, probe)), 0.0,
                            what + ": outputs at θ");
                }
            }
            for (DataSet b : windows(micro, K)) {
                fit(one, b);
            }
            assertEquals(List.of(0, 1, 2), seen, what + ": iterationDone once per step");
            assertClose(one.params().toDoubleVector(), acc.params().toDoubleVector(), 1e-12, what + ": weighted mean");
        }
    }

    static org.nd4j.linalg.api.ndarray.INDArray output(Model net, DataSet ds) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).output(ds.getFeatures())
                : ((ComputationGraph) net).outputSingle(ds.getFeatures());
    }

    /**
     * Interrupted inside a window: the saved model holds θ and the last step's state; the window restarts, so feeding
     * again from micro-batch iteration·k gives the uninterrupted run.
     */
    @ParameterizedTest
    @EnumSource(value = Exact.class, names = {"SGD", "MSAM_ADAMW"})
    void resumeRestartsTheWindow(Exact rule, @TempDir Path dir) throws Exception {
        List<DataSet> micro = Nets.batches(K * WINDOWS, MICRO, 13, DataType.DOUBLE);
        MultiLayerNetwork whole = Nets.mlp(rule.config(), DataType.DOUBLE, rule.l2(), false);
        MultiLayerNetwork first = Nets.mlp(rule.config(), DataType.DOUBLE, rule.l2(), false);
        first.setParams(whole.params().dup());
        SharpnessAware.install(whole, Accumulation.steps(K));
        SharpnessAware.install(first, Accumulation.steps(K));
        for (DataSet b : micro) {
            whole.fit(b);
        }
        int stop = K + 1;
        for (int i = 0; i < stop; i++) {
            first.fit(micro.get(i));
        }
        File f = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(first, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        SharpnessAware.install(restored, Accumulation.steps(K));
        assertEquals(1, restored.getIterationCount(), "the model file counts the steps taken");
        for (int i = restored.getIterationCount() * K; i < micro.size(); i++) {
            restored.fit(micro.get(i));
        }
        assertClose(whole.params().toDoubleVector(), restored.params().toDoubleVector(), rule.rho == 0 ? 0 : 1e-14,
                rule + ": resumed");
    }

    @Test
    void badInputIsRefusedWithTheFix() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Accumulation.steps(0));
        assertTrue(zero.getMessage().contains("Accumulation.steps(0)"), zero.getMessage());
        MultiLayerNetwork lstm = TruncatedBpttTest.lstm(Msam.builder().base(SGD).rho(0.5).build());
        IllegalStateException tbptt = assertThrows(IllegalStateException.class,
                () -> SharpnessAware.install(lstm, Accumulation.steps(2)));
        assertTrue(tbptt.getMessage().contains("truncated BPTT")
                && tbptt.getMessage().contains("BackpropType.Standard"),
                tbptt.getMessage());
        SharpnessAware.install(TruncatedBpttTest.lstm(Msam.builder().base(SGD).rho(0.5).build()), Accumulation.none());
        org.nd4j.autodiff.samediff.SameDiff sd = SdMlp.build(SdMlp.initial(1),
                Msam.builder().base(SGD).rho(0.5).build(), 0);
        UnsupportedOperationException sameDiff = assertThrows(UnsupportedOperationException.class,
                () -> SharpnessAware.install(sd, Accumulation.steps(2)));
        assertTrue(sameDiff.getMessage().contains("SameDiff") && sameDiff.getMessage().contains("ComputationGraph"),
                sameDiff.getMessage());
        SharpnessAware.install(sd, Accumulation.none());
        IllegalStateException plain = assertThrows(IllegalStateException.class,
                () -> SharpnessAware.install(Nets.mlp(SGD, DataType.DOUBLE, 0, false)));
        assertTrue(plain.getMessage().contains("Accumulation.steps(k)"), plain.getMessage());
    }

    /**
     * ParallelWrapper, 2 workers averaging every round: each worker accumulates its own window of k micro-batches and
     * steps, then θ and the optimizer state are averaged: one device on batches of 2·k micro-batches.
     */
    @ParameterizedTest
    @EnumSource(value = Exact.class, names = {"SGD", "MSAM"})
    void twoWorkersAccumulateThenAverage(Exact rule) {
        int k = 2;
        List<DataSet> micro = Nets.batches(2 * k * WINDOWS, MICRO, 17, DataType.DOUBLE);
        MultiLayerNetwork one = Nets.mlp(rule.config(), DataType.DOUBLE, rule.l2(), false);
        MultiLayerNetwork pw = Nets.mlp(rule.config(), DataType.DOUBLE, rule.l2(), false);
        pw.setParams(one.params().dup());
        SharpnessAware.install(one, Accumulation.none());
        SharpnessAware.install(pw, Accumulation.steps(k));
        // worker i takes micro-batches i, i + 2, i + 4, ...: its window is (i, i + 2), and the rounds' union is the
        // four micro-batches 4w .. 4w + 3
        org.deeplearning4j.parallelism.ParallelWrapper wrapper = SharpnessAware.parallelWrapper(pw).workers(2)
                .averagingFrequency(1).averageUpdaters(true).prefetchBuffer(4)
                .trainingMode(org.deeplearning4j.parallelism.ParallelWrapper.TrainingMode.AVERAGING).build();
        for (int e = 0; e < EPOCHS; e++) {
            wrapper.fit(Nets.iterator(micro));
            one.fit(Nets.iterator(windows(micro, 2 * k)));
        }
        assertEquals(one.getIterationCount(), pw.getIterationCount(), "steps");
        assertFalse(SharpnessAware.isPerturbed(pw), "θ after fit");
        assertClose(one.params().toDoubleVector(), pw.params().toDoubleVector(), 1e-9, rule + " on 2 workers");
    }

    /** Global gradient-norm clipping acts on the window's mean gradient, as on the big batch's. */
    @Test
    void clippingActsOnTheMeanGradient() {
        List<DataSet> micro = Nets.batches(K * WINDOWS, MICRO, 19, DataType.DOUBLE);
        IUpdater msam = Exact.MSAM.config();
        ComputationGraph acc = Nets.residual(msam, DataType.DOUBLE, L2);
        ComputationGraph one = Nets.residual(msam, DataType.DOUBLE, L2);
        one.setParams(acc.params().dup());
        SharpnessAware.install(acc, Accumulation.steps(K), new GlobalGradientClipping(0.05));
        SharpnessAware.install(one, Accumulation.none(), new GlobalGradientClipping(0.05));
        acc.fit(Nets.iterator(micro), EPOCHS);
        one.fit(Nets.iterator(windows(micro, K)), EPOCHS);
        ComputationGraph free = Nets.residual(msam, DataType.DOUBLE, L2);
        free.setParams(Nets.residual(msam, DataType.DOUBLE, L2).params());
        SharpnessAware.install(free, Accumulation.steps(K));
        free.fit(Nets.iterator(micro), EPOCHS);
        assertClose(one.params().toDoubleVector(), acc.params().toDoubleVector(), 1e-12, "clipped");
        assertTrue(Data.maxRelErr(acc.params().toDoubleVector(), free.params().toDoubleVector()) > 1e-6,
                "the clipping threshold is reached");
    }

    /** A non-finite micro-batch is refused as a step is, and is not counted in the window. */
    @ParameterizedTest
    @EnumSource(value = Exact.class, names = {"SGD", "MSAM"})
    void aRefusedMicroBatchIsNotInTheWindow(Exact rule) {
        List<DataSet> micro = Nets.batches(2 * K, MICRO, 23, DataType.DOUBLE);
        DataSet bad = micro.get(0).copy();
        bad.getFeatures().putScalar(0, 0, Double.NaN);
        MultiLayerNetwork acc = Nets.mlp(rule.config(), DataType.DOUBLE, rule.l2(), false);
        MultiLayerNetwork one = Nets.mlp(rule.config(), DataType.DOUBLE, rule.l2(), false);
        one.setParams(acc.params().dup());
        SharpnessAware.install(acc, Accumulation.steps(K));
        SharpnessAware.install(one, Accumulation.none());
        for (int i = 0; i < micro.size(); i++) {
            if (i == 1 || i == K + 2) {
                double[] before = acc.params().toDoubleVector();
                assertThrows(ArithmeticException.class, () -> acc.fit(bad));
                assertArrayEquals(before, acc.params().toDoubleVector(), 0.0, "refused: θ unchanged");
                assertFalse(SharpnessAware.isPerturbed(acc), "refused: θ held");
            }
            acc.fit(micro.get(i));
        }
        for (DataSet b : windows(micro, K)) {
            one.fit(b);
        }
        assertEquals(2, acc.getIterationCount(), "steps");
        assertClose(one.params().toDoubleVector(), acc.params().toDoubleVector(), 1e-12,
                rule + ": refused ones left out");
    }

    /** A float32 network accumulates in float32: the big batch's trajectory to float rounding. */
    @Test
    void floatNetworksAccumulateToo() {
        List<DataSet> micro = Nets.batches(K * WINDOWS, MICRO, 29, DataType.FLOAT);
        IUpdater msam = Exact.MSAM_ADAMW.config();
        MultiLayerNetwork acc = Nets.mlp(msam, DataType.FLOAT, 0, false);
        MultiLayerNetwork one = Nets.mlp(msam, DataType.FLOAT, 0, false);
        one.setParams(acc.params().dup());
        SharpnessAware.install(acc, Accumulation.steps(K));
        SharpnessAware.install(one, Accumulation.none());
        acc.fit(Nets.iterator(micro), EPOCHS);
        one.fit(Nets.iterator(windows(micro, K)), EPOCHS);
        assertClose(one.params().toDoubleVector(), acc.params().toDoubleVector(), 1e-4, "float32");
    }

    /**
     * What DL4J listeners see: those given to install one iterationDone per step; one added to the network afterwards
     * (net.addListeners) is called by DL4J for every micro-batch, with the iteration of the step being accumulated.
     */
    @Test
    void listenersAddedToTheNetworkSeeEveryMicroBatch() {
        List<Integer> installed = new ArrayList<>();
        List<Integer> added = new ArrayList<>();
        MultiLayerNetwork net = Nets.mlp(Exact.MSAM.config(), DataType.DOUBLE, L2, false);
        SharpnessAware.install(net, Accumulation.steps(K), new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                installed.add(iteration);
            }
        });
        net.addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                added.add(iteration);
            }
        });
        for (DataSet b : Nets.batches(2 * K, MICRO, 31, DataType.DOUBLE)) {
            net.fit(b);
        }
        assertEquals(List.of(0, 1), installed);
        assertEquals(List.of(0, 0, 0, 1, 1, 1), added);
        assertEquals(2, net.getIterationCount());
    }
}
