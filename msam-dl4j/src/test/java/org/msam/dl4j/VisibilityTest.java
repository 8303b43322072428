package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.listeners.CheckpointListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;

/** The user never sees θ̃ by accident, and checkpoints resume exactly. */
class VisibilityTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final Msam MSAM = Msam.builder().base(SGD).rho(0.5).build();

    /** Records, at every callback the user's listeners receive, whether the network held θ̃. */
    static final class Spy extends BaseTrainingListener {
        final List<String> perturbedAt = new ArrayList<>();
        int iterations;
        int epochsEnded;

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            iterations++;
            check(model, "iterationDone " + iteration);
        }

        @Override
        public void onEpochStart(Model model) {
            check(model, "onEpochStart");
        }

        @Override
        public void onEpochEnd(Model model) {
            epochsEnded++;
            check(model, "onEpochEnd");
        }

        void check(Model model, String where) {
            if (SharpnessAware.isPerturbed(model)) {
                perturbedAt.add(where);
            }
        }
    }

    @Test
    void userListenersSeeTheTrueWeights() {
        MultiLayerNetwork net = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        Spy spy = new Spy();
        SharpnessAware.install(net, spy);
        SharpnessAware.install(net, spy); // idempotent
        assertEquals(1, net.getListeners().size());
        assertEquals(List.of(spy), SharpnessAware.listener(net).getUserListeners());
        net.fit(Nets.iterator(Nets.batches(4, 8, 1, DataType.FLOAT)), 3);
        assertEquals(12, spy.iterations);
        assertEquals(3, spy.epochsEnded);
        assertEquals(List.of(), spy.perturbedAt);
        assertFalse(SharpnessAware.isPerturbed(net));
        assertNotEquals(0.0, Probe.msam(net).scale());
    }

    @Test
    void existingListenersAreAdoptedAndPerturbationIsHeldInsideAStepOnly() {
        MultiLayerNetwork net = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        Spy spy = new Spy();
        List<Boolean> duringGradient = new ArrayList<>();
        net.setListeners(spy, new BaseTrainingListener() {
            @Override
            public void onGradientCalculation(Model model) {
                duringGradient.add(SharpnessAware.isPerturbed(model));
            }
        });
        SharpnessAware.install(net);
        assertEquals(2, SharpnessAware.listener(net).getUserListeners().size());
        net.fit(Nets.iterator(Nets.batches(4, 8, 1, DataType.FLOAT)), 2);
        assertEquals(List.of(), spy.perturbedAt);
        // The gradient is computed at θ̃ once c ≠ 0, i.e. from the second iteration on.
        assertFalse(duringGradient.get(0));
        assertTrue(duringGradient.subList(1, duringGradient.size()).stream().allMatch(b -> b));
    }

    @Test
    void manualLoopAgreesWithFitIteratorAndHoldsThetaBetweenCalls() {
        List<DataSet> batches = Nets.batches(4, 8, 2, DataType.FLOAT);
        MultiLayerNetwork a = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        SharpnessAware.install(a);
        a.fit(Nets.iterator(batches));

        MultiLayerNetwork b = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        SharpnessAware.install(b);
        for (DataSet ds : batches) {
            b.fit(ds);
            assertFalse(SharpnessAware.isPerturbed(b), "fit(DataSet) ends at θ");
        }
        assertArrayEquals(a.params().toDoubleVector(), b.params().toDoubleVector(), 0.0);
        assertEquals(a.score(Nets.iterator(batches).next()), b.score(Nets.iterator(batches).next()), 0.0);
        try (PerturbationScope s = SharpnessAware.unperturbed(b)) {
            assertArrayEquals(a.params().toDoubleVector(), b.params().toDoubleVector(), 0.0, "a no-op at θ");
        }
        assertFalse(SharpnessAware.isPerturbed(b));
        SharpnessAware.finish(b, Nets.iterator(batches));
        assertArrayEquals(a.params().toDoubleVector(), b.params().toDoubleVector(), 0.0);
    }

    static double[] continueFrom(MultiLayerNetwork net, List<DataSet> rest) {
        SharpnessAware.install(net);
        DataSetIterator it = Nets.iterator(rest);
        net.fit(it);
        return net.params().toDoubleVector();
    }

    static List<RuleCases.Case> rules() {
        return RuleCases.overSgd();
    }

    /** Every registered rule: DL4J's checkpoints hold θ and continue the run bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void checkpointsHoldThetaAndResumeExactly(RuleCases.Case rule, @TempDir Path dir) throws Exception {
        {
            IUpdater updater = rule.updater();
            List<DataSet> epoch = Nets.batches(4, 8, 3, DataType.FLOAT);
            File d = dir.resolve(rule.toString()).toFile();
            assertTrue(d.mkdirs());
            MultiLayerNetwork net = Nets.mlp(updater, DataType.FLOAT, rule.l2(), rule.batchNorm());
            CheckpointListener ckpt = new CheckpointListener.Builder(d).saveEveryNIterations(2).keepAll().build();
            SharpnessAware.install(net, ckpt);
            net.fit(Nets.iterator(epoch)); // checkpoints after iterations 1 and 3 (0-based)
            net.fit(Nets.iterator(epoch)); // a second epoch, uninterrupted
            double[] uninterrupted = net.params().toDoubleVector();

            // Restore the checkpoint written after the 2nd iteration: it holds θ, and continues the same run.
            // DL4J's CheckpointListener saves in iterationDone of iteration 2 (0-based), i.e. after three steps.
            org.deeplearning4j.optimize.listeners.Checkpoint first = CheckpointListener.availableCheckpoints(d).get(0);
            int done = first.getIteration() + 1;
            assertEquals(3, done);
            MultiLayerNetwork restored = CheckpointListener.loadCheckpointMLN(d, first.getCheckpointNum());
            // DL4J's CheckpointListener saves in iterationDone, before the network's iteration counter advances: the
            // restored count is one behind the steps taken. LookSAM's period and ESAM's masks follow the count, so
            // the run continues exactly once it is set to the steps taken (SAM and MSAM do not read it).
            assertEquals(done - 1, restored.getIterationCount(), rule + ": the checkpoint's iteration count");
            restored.setIterationCount(done);
            assertFalse(SharpnessAware.isPerturbed(restored));
            continueFrom(restored, new ArrayList<>(epoch.subList(done, 4)));
            double[] resumed = continueFrom(restored, epoch);
            assertArrayEquals(uninterrupted, resumed, 0.0, rule.toString());
        }
    }

    @Test
    void restoredModelContinuesWithManualFitExactly(@TempDir Path dir) throws Exception {
        List<DataSet> batches = Nets.batches(6, 8, 4, DataType.FLOAT);
        MultiLayerNetwork a = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        SharpnessAware.install(a);
        for (int i = 0; i < 3; i++) {
            a.fit(batches.get(i));
        }
        File f = dir.resolve("mid.zip").toFile();
        try (PerturbationScope s = SharpnessAware.unperturbed(a)) {
            ModelSerializer.writeModel(a, f, true);
        }
        for (int i = 3; i < 6; i++) {
            a.fit(batches.get(i));
        }
        MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(f, true);
        SharpnessAware.install(b);
        assertFalse(SharpnessAware.isPerturbed(b), "restored at θ");
        for (int i = 3; i < 6; i++) {
            b.fit(batches.get(i));
        }
        SharpnessAware.finish(a, null, 0);
        SharpnessAware.finish(b, null, 0);
        assertArrayEquals(a.params().toDoubleVector(), b.params().toDoubleVector(), 1e-6);
    }

    @Test
    void earlyStoppingScoresAndSavesTheTrueWeights() {
        MultiLayerNetwork net = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        List<Boolean> perturbedWhenScored = new ArrayList<>();
        DataSetIterator test = Nets.iterator(Nets.batches(2, 8, 9, DataType.FLOAT));
        DataSetLossCalculator loss = new DataSetLossCalculator(test, true) {
            @Override
            public double calculateScore(org.deeplearning4j.nn.api.Model network) {
                perturbedWhenScored.add(SharpnessAware.isPerturbed(network));
                return super.calculateScore(network);
            }
        };
        InMemoryModelSaver<MultiLayerNetwork> saver = new InMemoryModelSaver<>();
        EarlyStoppingConfiguration<MultiLayerNetwork> es = new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(3)).scoreCalculator(loss)
                .modelSaver(saver).evaluateEveryNEpochs(1).build();
        SharpnessAware.install(net);
        EarlyStoppingResult<MultiLayerNetwork> r = new EarlyStoppingTrainer(es, net,
                Nets.iterator(Nets.batches(4, 8, 5, DataType.FLOAT))).fit();
        assertEquals(3, r.getTotalEpochs());
        assertEquals(3, perturbedWhenScored.size());
        assertTrue(perturbedWhenScored.stream().noneMatch(b -> b), "scored at θ: " + perturbedWhenScored);
        assertFalse(SharpnessAware.isPerturbed(net));
        double best = r.getScoreVsEpoch().get(r.getBestModelEpoch());
        assertEquals(best, loss.calculateScore(r.getBestModel()), 1e-6, "the saved best model is the θ that was scored");
    }

    @org.junit.jupiter.api.Test
    void theDriverKeepsItsBindingAcrossIterationsOnBothNetworkTypes() {
        org.msam.config.Msam cfg = org.msam.config.Msam.builder()
                .base(org.msam.config.SgdMomentum.builder().build()).rho(0.5).build();
        for (org.deeplearning4j.nn.api.Model net : new org.deeplearning4j.nn.api.Model[] {
            Nets.mlp(cfg, DataType.FLOAT, 0, false), Nets.residual(cfg, DataType.FLOAT, 0)}) {
            SharpnessAwareListener l = net instanceof org.deeplearning4j.nn.graph.ComputationGraph
                    ? SharpnessAware.install((org.deeplearning4j.nn.graph.ComputationGraph) net)
                    : SharpnessAware.install((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net);
            java.util.List<org.nd4j.linalg.dataset.DataSet> batches = Nets.batches(3, 8, 5, DataType.FLOAT);
            Fit.fit(net, batches.get(0));
            NetworkHost host = l.host();
            org.msam.rule.SharpnessRule rule = l.rule();
            Fit.fit(net, batches.get(1));
            Fit.fit(net, batches.get(2));
            assertSame(host, l.host(), net.getClass().getSimpleName() + ": same host");
            assertSame(rule, l.rule(), net.getClass().getSimpleName() + ": same rule");
        }
    }

    /** fit(DataSet) on either network type. */
    static final class Fit {
        static void fit(org.deeplearning4j.nn.api.Model net, org.nd4j.linalg.dataset.DataSet ds) {
            if (net instanceof org.deeplearning4j.nn.graph.ComputationGraph) {
                ((org.deeplearning4j.nn.graph.ComputationGraph) net).fit(ds);
            } else {
                ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net).fit(ds);
            }
        }
    }
}
