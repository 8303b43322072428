package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Misconfigurations and bad data get clear errors, never silently wrong training. */
class BadInputTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final Msam MSAM = Msam.builder().base(SGD).rho(0.5).build();

    static MultiLayerNetwork twoLayer(IUpdater global, IUpdater first, IUpdater second) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(global).list()
                .layer(new DenseLayer.Builder().nIn(Nets.IN).nOut(Nets.HIDDEN).activation(Activation.TANH)
                        .updater(first).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(Nets.HIDDEN).nOut(Nets.OUT)
                        .activation(Activation.SOFTMAX).updater(second).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static DataSet batch() {
        return Nets.batches(1, 8, 1, DataType.FLOAT).get(0);
    }

    @Test
    void msamWithoutItsListenerRefusesToTrain() {
        MultiLayerNetwork net = Nets.mlp(MSAM, DataType.FLOAT, 0, false);
        double[] before = net.params().toDoubleVector();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(batch()));
        assertTrue(e.getMessage().contains("SharpnessAware.install(net)"), e.getMessage());
        assertArrayEquals(before, net.params().toDoubleVector(), 0.0, "no step was applied");
    }

    @Test
    void replacingTheListenersAfterInstallIsDetected() {
        MultiLayerNetwork net = Nets.mlp(Sam.builder().base(SGD).build(), DataType.FLOAT, 0, false);
        SharpnessAware.install(net);
        net.fit(batch());
        net.setListeners(new org.deeplearning4j.optimize.listeners.ScoreIterationListener(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(batch()));
        assertTrue(e.getMessage().startsWith("Sam updater (SAM's second forward/backward pass is run by the driver) ran without its training driver"), e.getMessage());
    }

    @Test
    void configurationsWithoutSamOrMsamAreRefused() {
        MultiLayerNetwork net = Nets.mlp(SGD, DataType.FLOAT, 0, false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(net));
        assertTrue(e.getMessage().startsWith("No sharpness-aware updater (Sam, Msam, LookSam, Esam, Mesa, FreePerturbation) in the "
                + "network configuration"), e.getMessage());
    }

    @Test
    void mixingSamAndMsamIsRefused() {
        MultiLayerNetwork net = twoLayer(SGD, MSAM, Sam.builder().base(SGD).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(net));
        assertEquals("The configuration mixes Msam and Sam updaters; use one of them for every trainable layer.",
                e.getMessage());
    }

    @Test
    void msamNextToAnotherUpdaterIsRefused() {
        MultiLayerNetwork net = twoLayer(SGD, MSAM, new Adam(1e-3));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(net));
        assertTrue(e.getMessage().startsWith("MSAM needs every trainable parameter to use an Msam updater"),
                e.getMessage());
        assertTrue(e.getMessage().contains("parameter \"W\""), e.getMessage());
    }

    @Test
    void differentRhoPerLayerIsRefused() {
        MultiLayerNetwork net = twoLayer(SGD, MSAM, MSAM.toBuilder().rho(1.0).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(net));
        assertTrue(e.getMessage().startsWith("All Msam updaters of a model must share rho"), e.getMessage());
    }

    /** A ρ schedule class of the user's without equals: each layer holds its own clone, the same by value. */
    static final class Halving implements org.nd4j.linalg.schedule.ISchedule {
        private final double start;

        Halving(double start) {
            this.start = start;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            return start / (1 + iteration);
        }

        @Override
        public org.nd4j.linalg.schedule.ISchedule clone() {
            return new Halving(start);
        }
    }

    @Test
    void aRhoScheduleWithoutEqualsIsComparedByValue() {
        Msam scheduled = MSAM.toBuilder().rhoSchedule(new Halving(0.5)).build();
        MultiLayerNetwork net = twoLayer(SGD, scheduled, scheduled.clone());
        SharpnessAware.install(net);
        net.fit(batch());
        net.fit(batch());
        assertTrue(Probe.msam(net).scale() > 0);

        MultiLayerNetwork other = twoLayer(SGD, scheduled, MSAM.toBuilder().rhoSchedule(new Halving(0.25)).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(other));
        assertTrue(e.getMessage().contains("rhoSchedule") && e.getMessage().contains("\"start\":0.25"),
                e.getMessage());
    }

    @Test
    void mesaUnderTruncatedBpttIsRefusedByName() {
        MultiLayerConfiguration conf = Nets.mlpConf(org.msam.config.Mesa.builder().base(SGD).build(), DataType.FLOAT,
                0, false);
        conf.setBackpropType(BackpropType.TruncatedBPTT);
        MultiLayerNetwork tbptt = new MultiLayerNetwork(conf);
        tbptt.init();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(tbptt));
        assertTrue(e.getMessage().startsWith("MESA runs its EMA network") && e.getMessage().contains("Standard"),
                e.getMessage());
    }

    @Test
    void nonFiniteGradientStopsBeforeTheStepAndNamesTheIteration() {
        for (IUpdater u : List.of(MSAM, Sam.builder().base(SGD).build())) {
            MultiLayerNetwork net = Nets.mlp(u, DataType.FLOAT, 0, false);
            SharpnessAware.install(net);
            net.fit(batch());
            net.fit(batch());
            double[] before = net.params().toDoubleVector();
            double[] state = net.getUpdater(true).getStateViewArray().toDoubleVector();
            DataSet bad = batch();
            bad.getFeatures().putScalar(0, 0, Double.NaN);
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> net.fit(bad));
            assertTrue(e.getMessage().contains("non-finite gradient or loss at iteration 2"), e.getMessage());
            // θ̃ = θ − c·v, taken for the refused pass, is undone by θ̃ + c·v: exact up to rounding
            double[] after = net.params().toDoubleVector();
            for (int i = 0; i < after.length; i++) {
                assertEquals(before[i], after[i], 2 * Math.ulp((float) before[i]), "weight " + i + " untouched");
            }
            assertArrayEquals(state, net.getUpdater(true).getStateViewArray().toDoubleVector(), 0.0, "state untouched");
            net.fit(batch()); // training can go on
            for (double x : net.params().toDoubleVector()) {
                assertTrue(Double.isFinite(x));
            }
        }
    }

    @Test
    void negativeRhoIsAllowed() {
        MultiLayerNetwork net = Nets.mlp(MSAM.toBuilder().rho(-0.5).build(), DataType.FLOAT, 0, false);
        SharpnessAware.install(net);
        net.fit(Nets.iterator(Nets.batches(2, 8, 1, DataType.FLOAT)));
    }

    @Test
    void adamwDecayNeedsItsListenerAndMatchesTheReferenceWithIt() {
        AdamW adamw = AdamW.builder().learningRate(1e-2).weightDecay(0.1).build();
        MultiLayerNetwork without = Nets.mlp(adamw, DataType.DOUBLE, 0, false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> without.fit(batch()));
        assertTrue(e.getMessage().contains("DecoupledWeightDecay.install(net)"), e.getMessage());

        MultiLayerNetwork net = Nets.mlp(adamw, DataType.DOUBLE, 0, false);
        DecoupledWeightDecay.install(net);
        DecoupledWeightDecay.install(net);
        assertEquals(1, net.getListeners().size());
        double[] theta = net.params().toDoubleVector();
        org.msam.reference.RefAdamW ref = new org.msam.reference.RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.1, null,
                theta.length);
        Oracle oracle = new Oracle(Nets.mlp(new org.nd4j.linalg.learning.config.Sgd(0), DataType.DOUBLE, 0, false));
        List<DataSet> batches = Nets.batches(3, 8, 7, DataType.DOUBLE);
        int t = 0;
        for (DataSet b : batches) {
            ref.step(theta, oracle.gradient(theta, b), t++);
            net.fit(b);
        }
        double err = org.msam.reference.Data.maxRelErr(net.params().toDoubleVector(), theta);
        assertTrue(err < 1e-10, "AdamW with decoupled decay: error " + err);
    }

    @Test
    void oneDriverOnTwoNetworksIsRefused() {
        MultiLayerNetwork first = Nets.mlp(Msam.builder().base(SgdMomentum.builder().build()).rho(0.5).build(),
                DataType.FLOAT, 0, false);
        SharpnessAwareListener l = SharpnessAware.install(first);
        MultiLayerNetwork second = Nets.mlp(Msam.builder().base(SgdMomentum.builder().build()).rho(0.5).build(),
                DataType.FLOAT, 0, false);
        second.setListeners(l);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> second.fit(batch()));
        assertTrue(e.getMessage().startsWith("This SharpnessAwareListener drives another network"), e.getMessage());
        first.fit(batch());
    }

    @Test
    void installBeforeInitSaysToCallInit() {
        Msam msam = Msam.builder().base(SgdMomentum.builder().build()).rho(0.5).build();
        MultiLayerNetwork mln = new MultiLayerNetwork(Nets.mlpConf(msam, DataType.FLOAT, 0, false));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(mln));
        assertTrue(e.getMessage().startsWith("Call net.init() before SharpnessAware.install(net)"), e.getMessage());
        org.deeplearning4j.nn.graph.ComputationGraph cg = new org.deeplearning4j.nn.graph.ComputationGraph(
                Nets.residualConf(msam, DataType.FLOAT, 0));
        e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(cg));
        assertTrue(e.getMessage().startsWith("Call net.init() before SharpnessAware.install(net)"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> DecoupledWeightDecay.install(cg));
        assertTrue(e.getMessage().startsWith("Call net.init() before DecoupledWeightDecay.install(net)"),
                e.getMessage());
    }
}
