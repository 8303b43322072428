package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.IterationTerminationCondition;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingGraphTrainer;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.listeners.CheckpointListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MSAM is a drop-in updater: in every DL4J pattern a user writes (manual {@code fit(DataSet)} and {@code fit(features,
 * labels)} loops, {@code output}, {@code score}, {@code ModelSerializer}, listeners added with DL4J's own {@code
 * addListeners}, a {@code CheckpointListener}, a fit ended by an exception, early stopping ended by an iteration
 * condition) the network holds the true weights θ of an independent double-precision MSAM reference (heavy-ball SGD,
 * docs/ALGORITHMS.md "MSAM") at every moment outside a step, on MultiLayerNetwork and ComputationGraph.
 */
class DropInTest {
    static final double ETA = 0.1;
    static final double MU = 0.9;
    static final double RHO = 0.5;
    static final double TOL = 1e-12;
    static final Msam MSAM = Msam.builder().base(SgdMomentum.builder().learningRate(ETA).momentum(MU).build())
            .rho(RHO).build();

    /**
     * MSAM over heavy-ball SGD in double: g at θ̃ = θ − c·v, v ← μ·v + g, θ ← θ − η·v, c ← ρ/(‖v‖ + δ); the
     * gradients from {@link Oracle}.
     */
    static final class Ref {
        final Oracle oracle;
        final double[] theta;
        final double[] v;
        double c;

        Ref(Model doubleNet, double[] theta0) {
            this.oracle = new Oracle(doubleNet);
            this.theta = theta0.clone();
            this.v = new double[theta0.length];
        }

        void step(DataSet ds) {
            double[] held = new double[theta.length];
            for (int i = 0; i < held.length; i++) {
                held[i] = theta[i] - c * v[i];
            }
            double[] g = oracle.gradient(held, ds);
            double sq = 0;
            for (int i = 0; i < theta.length; i++) {
                v[i] = MU * v[i] + g[i];
                theta[i] -= ETA * v[i];
                sq += v[i] * v[i];
            }
            c = RHO / (Math.sqrt(sq) + 1e-12);
        }

        double score(DataSet ds) {
            return oracle.score(theta, ds);
        }
    }

    static Model network(boolean graph, org.nd4j.linalg.learning.config.IUpdater updater) {
        return graph ? Nets.residual(updater, DataType.DOUBLE, 0) : Nets.mlp(updater, DataType.DOUBLE, 0, false);
    }

    static void install(Model net) {
        if (net instanceof ComputationGraph) {
            SharpnessAware.install((ComputationGraph) net);
        } else {
            SharpnessAware.install((MultiLayerNetwork) net);
        }
    }

    static Ref reference(boolean graph, Model net) {
        return new Ref(network(graph, MSAM), net.params().toDoubleVector());
    }

    static void fit(Model net, DataSet ds) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).fit(ds);
        } else {
            ((MultiLayerNetwork) net).fit(ds);
        }
    }

    static void fit(Model net, DataSetIterator it) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).fit(it);
        } else {
            ((MultiLayerNetwork) net).fit(it);
        }
    }

    static INDArray output(Model net, INDArray x) {
        return net instanceof ComputationGraph ? ((ComputationGraph) net).outputSingle(x)
                : ((MultiLayerNetwork) net).output(x);
    }

    static double score(Model net, DataSet ds) {
        return net instanceof ComputationGraph ? ((ComputationGraph) net).score(ds) : ((MultiLayerNetwork) net).score(ds);
    }

    /** @return the output of a fresh network holding {@code theta} */
    static double[] outputAt(boolean graph, double[] theta, INDArray x) {
        Model m = network(graph, MSAM);
        m.setParams(Nd4j.createFromArray(theta).reshape(1, theta.length));
        return output(m, x).ravel().toDoubleVector();
    }

    static void assertTheta(Ref ref, Model net, String where) {
        assertArrayEquals(ref.theta, net.params().toDoubleVector(), TOL, where + ": the network holds θ");
        assertFalse(SharpnessAware.isPerturbed(net), where);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aManualLoopHoldsThetaForOutputScoreAndSaving(boolean graph, @TempDir Path dir) throws Exception {
        Model net = network(graph, MSAM);
        install(net);
        Ref ref = reference(graph, net);
        List<DataSet> batches = Nets.batches(6, 8, 11, DataType.DOUBLE);
        INDArray probe = batches.get(0).getFeatures();
        for (int i = 0; i < batches.size(); i++) {
            DataSet ds = batches.get(i);
            if (i % 2 == 0) {
                fit(net, ds);
            } else if (graph) {
                ((ComputationGraph) net).fit(new INDArray[] {ds.getFeatures()}, new INDArray[] {ds.getLabels()});
            } else {
                ((MultiLayerNetwork) net).fit(ds.getFeatures(), ds.getLabels());
            }
            ref.step(ds);
            assertTheta(ref, net, "after fit " + i);
            assertArrayEquals(outputAt(graph, ref.theta, probe), output(net, probe).ravel().toDoubleVector(), TOL,
                    "output after fit " + i);
            assertEquals(ref.score(ds), score(net, ds), TOL, "score after fit " + i);
        }
        assertTrue(ref.c > 0, "the perturbation is on");
        File f = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        Model loaded = graph ? ModelSerializer.restoreComputationGraph(f, true)
                : ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertArrayEquals(ref.theta, loaded.params().toDoubleVector(), TOL, "the saved model holds θ");
        assertArrayEquals(outputAt(graph, ref.theta, probe), output(loaded, probe).ravel().toDoubleVector(), TOL);
        // and it trains on exactly: the optimizer state (v, c) came with it
        install(loaded);
        DataSet next = Nets.batches(1, 8, 12, DataType.DOUBLE).get(0);
        fit(loaded, next);
        ref.step(next);
        assertTheta(ref, loaded, "restored, one more step");
    }

    /** Records θ at every iterationDone. */
    static final class Recorder extends BaseTrainingListener {
        final List<double[]> seen = new ArrayList<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            seen.add(model.params().toDoubleVector());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void listenersAddedWithDl4jsAddListenersSeeThetaAndCheckpointIt(boolean graph, @TempDir Path dir)
            throws Exception {
        Model net = network(graph, MSAM);
        install(net);
        Ref ref = reference(graph, net);
        Recorder recorder = new Recorder();
        CheckpointListener ckpt = new CheckpointListener.Builder(dir.toFile()).saveEveryNIterations(1).keepLast(1)
                .build();
        net.addListeners(recorder, ckpt);
        List<DataSet> batches = Nets.batches(5, 8, 13, DataType.DOUBLE);
        fit(net, Nets.iterator(batches));
        assertEquals(5, recorder.seen.size());
        for (int i = 0; i < batches.size(); i++) {
            ref.step(batches.get(i));
            assertArrayEquals(ref.theta, recorder.seen.get(i), TOL, "iterationDone " + i);
        }
        Model last = graph ? CheckpointListener.loadLastCheckpointCG(dir.toFile())
                : CheckpointListener.loadLastCheckpointMLN(dir.toFile());
        assertArrayEquals(ref.theta, last.params().toDoubleVector(), TOL, "the checkpoint holds θ");
    }

    /** An iterator over {@code batches} that fails when asked for batch {@code failAt}. */
    static DataSetIterator failingAt(List<DataSet> batches, int failAt) {
        return new ListDataSetIterator<DataSet>(batches, 1) {
            private int served;

            @Override
            public DataSet next() {
                if (served == failAt) {
                    throw new NoSuchElementException("the data source failed");
                }
                served++;
                return super.next();
            }

            @Override
            public boolean asyncSupported() {
                return false;
            }
        };
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFitEndedByAnExceptionLeavesTheta(boolean graph) {
        Model net = network(graph, MSAM);
        install(net);
        Ref ref = reference(graph, net);
        List<DataSet> batches = Nets.batches(5, 8, 14, DataType.DOUBLE);
        assertThrows(NoSuchElementException.class, () -> fit(net, failingAt(batches, 3)));
        for (int i = 0; i < 3; i++) {
            ref.step(batches.get(i));
        }
        assertTheta(ref, net, "after the failing iterator");

        DataSet bad = batches.get(3).copy();
        bad.getFeatures().putScalar(0, 0, Double.NaN);
        assertThrows(ArithmeticException.class, () -> fit(net, bad));
        assertTheta(ref, net, "after the refused non-finite batch");

        fit(net, batches.get(4));
        ref.step(batches.get(4));
        assertTheta(ref, net, "training goes on exactly");
    }

    /** Terminates after {@code n} iterations: an iteration condition that ends early stopping mid-epoch. */
    static final class AfterIterations implements IterationTerminationCondition {
        private final int n;
        private int seen;

        AfterIterations(int n) {
            this.n = n;
        }

        @Override
        public void initialize() {
            seen = 0;
        }

        @Override
        public boolean terminate(double lastMiniBatchScore) {
            return ++seen >= n;
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @SuppressWarnings({"unchecked", "rawtypes"})
    void earlyStoppingEndedMidEpochSavesTheta(boolean graph) throws Exception {
        Model net = network(graph, MSAM);
        install(net);
        Ref ref = reference(graph, net);
        List<DataSet> batches = Nets.batches(6, 8, 15, DataType.DOUBLE);
        InMemoryModelSaver saver = new InMemoryModelSaver<>();
        EarlyStoppingConfiguration es = new EarlyStoppingConfiguration.Builder<>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(3))
                .iterationTerminationConditions(new AfterIterations(9))
                .scoreCalculator(new DataSetLossCalculator(Nets.iterator(batches), true))
                .modelSaver(saver).saveLastModel(true).build();
        EarlyStoppingResult<?> r = graph
                ? new EarlyStoppingGraphTrainer(es, (ComputationGraph) net, Nets.iterator(batches)).fit()
                : new EarlyStoppingTrainer(es, (MultiLayerNetwork) net, Nets.iterator(batches)).fit();
        assertEquals(EarlyStoppingResult.TerminationReason.IterationTerminationCondition, r.getTerminationReason());
        // DL4J needs a best model when an iteration condition ends the run (it has none before the first epoch's
        // score): 6 mini-batches per epoch, ended at the 3rd of epoch 2
        for (int i = 0; i < 9; i++) {
            ref.step(batches.get(i % batches.size()));
        }
        assertTheta(ref, net, "after early stopping");
        Model latest = (Model) saver.getLatestModel();
        assertArrayEquals(ref.theta, latest.params().toDoubleVector(), TOL, "the saved latest model holds θ");
    }

    static Model constrained(boolean graph, org.nd4j.linalg.learning.config.IUpdater updater) {
        org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder b = Nets.base(updater, DataType.DOUBLE, 0)
                .constrainWeights(new org.deeplearning4j.nn.conf.constraint.NonNegativeConstraint());
        Model m;
        if (graph) {
            m = new ComputationGraph(b.graphBuilder().addInputs("in")
                    .addLayer("d1", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(Nets.IN)
                            .nOut(Nets.HIDDEN).activation(org.nd4j.linalg.activations.Activation.TANH).build(), "in")
                    .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                            org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(Nets.HIDDEN)
                            .nOut(Nets.OUT).activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "d1")
                    .setOutputs("out").build());
        } else {
            m = new MultiLayerNetwork(Nets.oneHiddenLayer(b));
        }
        m.init();
        return m;
    }

    /**
     * DL4J applies layer constraints after {@code iterationDone}; with MSAM they act on θ after the step, as with the
     * base optimizer, and the next step perturbs from the constrained θ. The reference applies the constraint with
     * DL4J's own code on a twin network holding the reference θ.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void layerConstraintsActOnThetaAfterTheStep(boolean graph) {
        Model net = constrained(graph, MSAM);
        install(net);
        Model twin = constrained(graph, MSAM);
        Ref ref = new Ref(constrained(graph, MSAM), net.params().toDoubleVector());
        List<DataSet> batches = Nets.batches(6, 8, 16, DataType.DOUBLE);
        boolean clipped = false;
        for (int i = 0; i < batches.size(); i++) {
            fit(net, batches.get(i));
            ref.step(batches.get(i));
            twin.setParams(Nd4j.createFromArray(ref.theta).reshape(1, ref.theta.length));
            if (graph) {
                ((ComputationGraph) twin).applyConstraints(i, 0);
            } else {
                ((MultiLayerNetwork) twin).applyConstraints(i, 0);
            }
            double[] constrained = twin.params().toDoubleVector();
            for (int k = 0; k < constrained.length; k++) {
                clipped |= constrained[k] != ref.theta[k];
                ref.theta[k] = constrained[k];
            }
            assertTheta(ref, net, "step " + i);
        }
        assertTrue(clipped, "the constraint acted");

        Model base = constrained(graph, MSAM.getBase());
        Model rhoZero = constrained(graph, Msam.builder().base(MSAM.getBase()).rho(0).build());
        install(rhoZero);
        for (DataSet ds : batches) {
            fit(base, ds);
            fit(rhoZero, ds);
        }
        assertArrayEquals(base.params().toDoubleVector(), rhoZero.params().toDoubleVector(), 0.0,
                "rho = 0 with constraints is the base optimizer");
    }

    /**
     * Half-precision networks train with MSAM and SAM on the CPU (ND4J has no half-precision BLAS dot; the norms are
     * accumulated in float32): MSAM at ρ = 0 is the base optimizer bit for bit, and MSAM and SAM stay within
     * half-precision rounding of the same run in float32.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void halfPrecisionNetworksTrain(boolean graph) {
        SgdMomentum sgd = SgdMomentum.builder().learningRate(ETA).momentum(MU).build();
        org.nd4j.linalg.learning.config.IUpdater[] updaters = {sgd, Msam.builder().base(sgd).rho(0).build(), MSAM,
            org.msam.config.Sam.builder().base(sgd).rho(0.1).build()};
        List<DataSet> batches = Nets.batches(5, 8, 17, DataType.FLOAT);
        double[][] half = new double[updaters.length][];
        for (int u = 0; u < updaters.length; u++) {
            Model h = graph ? Nets.residual(updaters[u], DataType.HALF, 0)
                    : Nets.mlp(updaters[u], DataType.HALF, 0, false);
            Model f = graph ? Nets.residual(updaters[u], DataType.FLOAT, 0)
                    : Nets.mlp(updaters[u], DataType.FLOAT, 0, false);
            f.setParams(h.params().castTo(DataType.FLOAT));
            if (u > 0) {
                install(h);
                install(f);
            }
            for (DataSet ds : batches) {
                fit(h, new DataSet(ds.getFeatures().castTo(DataType.HALF), ds.getLabels().castTo(DataType.HALF)));
                fit(f, ds);
            }
            half[u] = h.params().toDoubleVector();
            double[] full = f.params().toDoubleVector();
            for (int k = 0; k < full.length; k++) {
                assertEquals(full[k], half[u][k], 2e-2 * Math.max(1, Math.abs(full[k])), updaters[u] + " " + k);
            }
            assertFalse(java.util.Arrays.equals(half[u], new double[half[u].length]));
        }
        assertArrayEquals(half[0], half[1], 0.0, "MSAM at rho 0 is SgdMomentum in half precision too");
    }

    @org.junit.jupiter.api.Test
    void layerwisePretrainingIsRefusedWithWhatToDoInstead() {
        MultiLayerNetwork net = new MultiLayerNetwork(Nets.base(MSAM, DataType.DOUBLE, 0).list()
                .layer(new org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder.Builder()
                        .nIn(Nets.IN).nOut(2).encoderLayerSizes(4).decoderLayerSizes(4).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(2).nOut(Nets.OUT)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build());
        net.init();
        SharpnessAware.install(net);
        double[] before = net.params().toDoubleVector();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.pretrain(Nets.iterator(Nets.batches(2, 8, 18, DataType.DOUBLE))));
        assertTrue(e.getMessage().contains("Layerwise pretraining") && e.getMessage().contains("base optimizer"),
                e.getMessage());
        assertArrayEquals(before, net.params().toDoubleVector(), 0.0, "nothing was trained");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void replacingTheListenersAfterInstallIsRefusedAtTheNextStepAtTheta(boolean graph) {
        Model net = network(graph, MSAM);
        install(net);
        Ref ref = reference(graph, net);
        List<DataSet> batches = Nets.batches(3, 8, 19, DataType.DOUBLE);
        fit(net, batches.get(0));
        fit(net, batches.get(1));
        ref.step(batches.get(0));
        ref.step(batches.get(1));
        net.setListeners(new Recorder());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fit(net, batches.get(2)));
        assertTrue(e.getMessage().contains("SharpnessAware.install(net)"), e.getMessage());
        assertArrayEquals(ref.theta, net.params().toDoubleVector(), TOL, "still θ");
    }

    /**
     * A solver without the driver's hook (the user replaced DL4J's accumulator, or {@code net.clear()} dropped the
     * solver and with it DL4J's optimizer state): the step's pass runs at θ, the driver moves to θ̃ and runs it again
     * (one extra pass), puts the hook back, and the run follows the reference exactly.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aSolverWithoutTheHookGetsItBackAndStaysExact(boolean graph) {
        Model net = network(graph, MSAM);
        install(net);
        Ref ref = reference(graph, net);
        List<DataSet> batches = Nets.batches(7, 8, 20, DataType.DOUBLE);
        for (int i = 0; i < 2; i++) {
            fit(net, batches.get(i));
            ref.step(batches.get(i));
        }
        if (graph) {
            ((ComputationGraph) net).setGradientsAccumulator(null);
        } else {
            ((MultiLayerNetwork) net).setGradientsAccumulator(null);
        }
        for (int i = 2; i < 4; i++) {
            fit(net, batches.get(i));
            ref.step(batches.get(i));
            assertTheta(ref, net, "step " + i + " without the hook at its start");
        }
        assertTrue(net.getOptimizer().getGradientsAccumulator() instanceof StepHook, "the hook is back");

        if (!graph) {
            ((MultiLayerNetwork) net).clear(); // DL4J drops the solver and, with it, the updater state
            java.util.Arrays.fill(ref.v, 0);
            ref.c = 0;
            for (int i = 4; i < 7; i++) {
                fit(net, batches.get(i));
                ref.step(batches.get(i));
                assertTheta(ref, net, "step " + i + " after clear()");
            }
        }
    }

    /**
     * DL4J's {@code net.setLearningRate(lr)} (every layer) with the library's updaters equals a network whose
     * learning-rate schedule switched at the same iteration, optimizer state (v, c) carried over.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void setLearningRateOnEveryLayerEqualsASwitchingSchedule(boolean graph) {
        Model net = network(graph, MSAM);
        install(net);
        java.util.Map<Integer, Double> rates = new java.util.HashMap<>();
        rates.put(0, ETA);
        rates.put(3, ETA / 2);
        Msam scheduled = Msam.builder().base(SgdMomentum.builder().learningRateSchedule(
                new org.nd4j.linalg.schedule.MapSchedule(org.nd4j.linalg.schedule.ScheduleType.ITERATION, rates))
                .momentum(MU).build()).rho(RHO).build();
        Model ref = network(graph, scheduled);
        ref.setParams(net.params().dup());
        install(ref);
        List<DataSet> batches = Nets.batches(6, 8, 21, DataType.DOUBLE);
        for (int i = 0; i < batches.size(); i++) {
            if (i == 3) {
                if (graph) {
                    ((ComputationGraph) net).setLearningRate(ETA / 2);
                } else {
                    ((MultiLayerNetwork) net).setLearningRate(ETA / 2);
                }
            }
            fit(net, batches.get(i));
            fit(ref, batches.get(i));
        }
        assertArrayEquals(ref.params().toDoubleVector(), net.params().toDoubleVector(), TOL);
    }

    /** ρ from the schedule until iteration 3, then NaN: a user's schedule gone wrong. */
    static final class NanRhoFrom3 implements org.nd4j.linalg.schedule.ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return iteration >= 3 ? Double.NaN : RHO;
        }

        @Override
        public org.nd4j.linalg.schedule.ISchedule clone() {
            return this;
        }
    }

    /**
     * A ρ schedule that returns NaN refuses the step that would use it, naming the schedule, and the network is left
     * at θ with its optimizer state as it was (the refusal comes after the driver moved to θ̃ for the step's pass).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aNonFiniteRhoScheduleIsRefusedAtTheta(boolean graph) {
        Model net = network(graph, MSAM.toBuilder().rhoSchedule(new NanRhoFrom3()).build());
        install(net);
        Ref ref = reference(graph, net);
        List<DataSet> batches = Nets.batches(4, 8, 22, DataType.DOUBLE);
        for (int i = 0; i < 3; i++) {
            fit(net, batches.get(i));
            ref.step(batches.get(i));
        }
        double[] state = state(net).toDoubleVector();
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> fit(net, batches.get(3)));
        assertTrue(e.getMessage().contains("Msam.rhoSchedule"), e.getMessage());
        assertFalse(SharpnessAware.isPerturbed(net), "θ after the refusal");
        double[] now = net.params().toDoubleVector();
        for (int k = 0; k < now.length; k++) {
            assertEquals(ref.theta[k], now[k], 1e-15 * Math.max(1, Math.abs(ref.theta[k])), "θ " + k);
        }
        assertArrayEquals(state, state(net).toDoubleVector(), 0.0, "state");
    }

    static INDArray state(Model net) {
        return net instanceof ComputationGraph ? ((ComputationGraph) net).getUpdater(true).getStateViewArray()
                : ((MultiLayerNetwork) net).getUpdater(true).getStateViewArray();
    }
}
