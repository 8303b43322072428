package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.reference.Data;
import org.msam.rules.Rules;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The contract every registered rule keeps, over every base ({@link RuleCases}): its configuration survives DL4J's
 * JSON, its neutral setting is the base optimizer, a model saved mid-training resumes bit for bit, a
 * MultiLayerNetwork and the same ComputationGraph train alike, two data-parallel workers equal each worker stepping
 * on its own mini-batches and averaging, and a schedule returning NaN is
 * refused before the step. {@link CrossHostTest} (SameDiff) and {@link NonFiniteBatchTest} (a non-finite mini-batch)
 * take the same cases. A rule registered in {@link Rules} gets all of them.
 */
class RuleContractTest {
    static final double TOL = 1e-12;

    static List<RuleCases.Case> cases() {
        return RuleCases.all();
    }

    static MultiLayerNetwork network(RuleCases.Case c, IUpdater u) {
        return Nets.mlp(u, DataType.DOUBLE, c.l2(), c.batchNorm());
    }

    static MultiLayerNetwork installed(RuleCases.Case c, IUpdater u) {
        MultiLayerNetwork net = network(c, u);
        SharpnessAware.install(net);
        return net;
    }

    static double[] state(MultiLayerNetwork net) {
        return net.getUpdater(true).getStateViewArray().toDoubleVector();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theConfigurationSurvivesDl4jsJson(RuleCases.Case c) {
        IUpdater u = c.updater();
        MultiLayerConfiguration conf = Nets.mlpConf(u, DataType.DOUBLE, c.l2(), c.batchNorm());
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertEquals(u, back.getConf(0).getLayer().getUpdaterByParam("W"));
        ComputationGraphConfiguration graph = Nets.residualConf(u, DataType.DOUBLE, c.l2());
        assertEquals(graph, ComputationGraphConfiguration.fromJson(graph.toJson()));
        if (!c.batchNorm()) {
            // (BatchNorm's running statistics have an updater of their own: a block more)
            assertEquals(1, Probe.blocks(network(c, u)).size(), "equal configurations share one updater block");
        }
    }

    /** The reductions of docs/ALGORITHMS.md: under its neutral setting a rule steps as its base, over 3 epochs. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theNeutralSettingIsTheBaseOptimizer(RuleCases.Case c) {
        assertTrue(c.hasNeutral(), c.rule + " has no neutral setting: add the value under which it is its base "
                + "optimizer to RuleCases.NEUTRAL");
        List<DataSet> batches = Nets.batches(4, 8, 11, DataType.DOUBLE);
        MultiLayerNetwork rule = installed(c, c.updater(RuleCases.NEUTRAL, null, null));
        MultiLayerNetwork base = network(c, c.baseUpdater());
        base.setParams(rule.params().dup());
        if (!c.base.coupledDecay()) {
            DecoupledWeightDecay.install(base);
        }
        double[] theta0 = base.params().toDoubleVector();
        for (int e = 0; e < 3; e++) {
            rule.fit(Nets.iterator(batches));
            base.fit(Nets.iterator(batches));
        }
        double[] expected = base.params().toDoubleVector();
        assertTrue(Data.maxRelErr(expected, theta0) > 1e-3, "training moved the weights");
        double err = Data.maxRelErr(rule.params().toDoubleVector(), expected);
        assertTrue(err <= TOL, c + " under " + RuleCases.NEUTRAL + " vs its base: relative error " + err);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aModelSavedMidTrainingResumesBitForBit(RuleCases.Case c, @TempDir Path dir) throws Exception {
        List<DataSet> batches = Nets.batches(3, 8, 12, DataType.DOUBLE);
        MultiLayerNetwork whole = installed(c, c.updater());
        MultiLayerNetwork first = installed(c, c.updater());
        MultiLayerNetwork restored = Nets.assertResumesExactly(whole, first, batches, dir);
        assertArrayEquals(state(whole), state(restored), 0.0, c + ": optimizer state");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aMultiLayerNetworkAndTheSameComputationGraphTrainAlike(RuleCases.Case c) {
        List<DataSet> batches = Nets.batches(4, 8, 13, DataType.DOUBLE);
        MultiLayerNetwork mln = network(c, c.updater());
        ComputationGraph cg = mln.toComputationGraph();
        SharpnessAware.install(mln);
        SharpnessAware.install(cg);
        double[] theta0 = mln.params().toDoubleVector();
        for (int e = 0; e < 2; e++) {
            mln.fit(Nets.iterator(batches));
            cg.fit(Nets.iterator(batches));
        }
        double[] a = mln.params().toDoubleVector();
        assertTrue(Data.maxRelErr(a, theta0) > 1e-3, "training moved the weights");
        double err = Data.maxRelErr(cg.params().toDoubleVector(), a);
        assertTrue(err <= TOL, c + ": ComputationGraph vs MultiLayerNetwork, relative error " + err);
        double stateErr = Data.maxRelErr(cg.getUpdater(true).getStateViewArray().toDoubleVector(), state(mln));
        assertTrue(stateErr <= TOL, c + ": optimizer state, relative error " + stateErr);
    }

    static List<RuleCases.Case> overSgd() {
        return RuleCases.overSgd();
    }

    /**
     * Two workers train with a driver each, end at θ, and equal the per-worker reference of
     * {@link ParallelWrapperTest#perWorker}: two single-device networks, each stepping on its own mini-batches, θ and
     * the optimizer state averaged after every round, then {@link SharpnessAware#afterAveraging} (MSAM re-perturbs from
     * the averaged momentum; a no-op for the other rules).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("overSgd")
    void twoWorkersEqualEachWorkerSteppingThenAveraging(RuleCases.Case c) {
        List<DataSet> batches = Nets.batches(8, 4, 14, DataType.DOUBLE);
        MultiLayerNetwork workers = installed(c, c.updater());
        MultiLayerNetwork a = installed(c, c.updater());
        MultiLayerNetwork b = installed(c, c.updater());
        a.setParams(workers.params().dup());
        b.setParams(workers.params().dup());
        double before = workers.score(batches.get(0));
        ParallelWrapper pw = SharpnessAware.parallelWrapper(workers).workers(2).averagingFrequency(1)
                .averageUpdaters(true).trainingMode(ParallelWrapper.TrainingMode.AVERAGING).prefetchBuffer(4).build();
        for (int e = 0; e < 2; e++) {
            pw.fit(Nets.iterator(batches));
            for (int i = 0; i < batches.size(); i += 2) {
                a.fit(batches.get(i));
                b.fit(batches.get(i + 1));
                INDArray p = a.params().add(b.params()).muli(0.5);
                a.params().assign(p);
                b.params().assign(p);
                INDArray s = a.getUpdater(true).getStateViewArray().add(b.getUpdater(true).getStateViewArray())
                        .muli(0.5);
                a.getUpdater(true).getStateViewArray().assign(s);
                b.getUpdater(true).getStateViewArray().assign(s);
                SharpnessAware.afterAveraging(a);
                SharpnessAware.afterAveraging(b);
            }
        }
        assertFalse(SharpnessAware.isPerturbed(workers), "θ after fit");
        assertEquals(2 * batches.size() / 2, workers.getIterationCount(), "one step per round");
        double after = workers.score(batches.get(0));
        assertTrue(after < before, c + ": loss " + before + " -> " + after);
        double err = Data.maxRelErr(workers.params().toDoubleVector(), a.params().toDoubleVector());
        assertTrue(err <= 1e-9, c + ": two workers vs the per-worker reference, relative error " + err);
    }

    /** A schedule's value, then NaN from iteration 3 on: a user's schedule gone wrong. */
    static final class NanFrom3 implements ISchedule {
        private final double value;

        NanFrom3(double value) {
            this.value = value;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            return iteration >= 3 ? Double.NaN : value;
        }

        @Override
        public ISchedule clone() {
            return this;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NanFrom3 && ((NanFrom3) o).value == value;
        }

        @Override
        public int hashCode() {
            return Double.hashCode(value);
        }
    }

    static List<Object[]> schedules() {
        List<Object[]> s = new ArrayList<>();
        for (RuleCases.Case c : RuleCases.all()) {
            s.add(new Object[] {c, "learning rate"});
            if (c.rule.takesRhoSchedule()) {
                s.add(new Object[] {c, "rho"});
            }
        }
        return s;
    }

    /**
     * A learning-rate schedule (every rule) or a ρ schedule (the rules that take one) returning NaN refuses the step
     * that would use it before it begins: an ArithmeticException naming the schedule, θ and the optimizer state as
     * they were, the network at θ.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("schedules")
    void aNaNFromAScheduleIsRefusedBeforeTheStep(RuleCases.Case c, String which) {
        boolean rho = "rho".equals(which);
        double lr = c.base.coupledDecay() ? 0.1 : 1e-2;
        IUpdater u = c.updater(Map.of(), rho ? null : new NanFrom3(lr), rho
                ? new NanFrom3(RuleCases.EXERCISED.get(Rules.RHO).doubleValue()) : null);
        MultiLayerNetwork net = installed(c, u);
        List<DataSet> batches = Nets.batches(4, 8, 15, DataType.DOUBLE);
        for (int i = 0; i < 3; i++) {
            net.fit(batches.get(i));
        }
        double[] theta = net.params().toDoubleVector();
        double[] state = state(net);
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> net.fit(batches.get(3)));
        assertTrue(e.getMessage().contains("returned NaN"), c + ": " + e.getMessage());
        assertFalse(SharpnessAware.isPerturbed(net), "θ after the refusal");
        double[] now = net.params().toDoubleVector();
        for (int k = 0; k < now.length; k++) {
            assertEquals(theta[k], now[k], 1e-15 * Math.max(1, Math.abs(theta[k])), c + " θ " + k);
        }
        assertArrayEquals(state, state(net), 0.0, c + ": optimizer state");
    }

    /** Every registered rule is in the matrix, over every base. */
    @Test
    void theMatrixIsTheRegistry() {
        assertEquals(Rules.names(), RuleCases.overSgd().stream().map(c -> c.rule.name()).collect(Collectors.toList()));
        assertEquals(3 * Rules.all().size(), RuleCases.all().size());
    }
}
