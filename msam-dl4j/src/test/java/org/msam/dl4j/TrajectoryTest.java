package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefAdamW;
import org.msam.reference.RefMsam;
import org.msam.reference.RefSam;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * SAM and MSAM trained through DL4J's fit(iterator, epochs) against the double-precision references of
 * docs/ALGORITHMS.md fed with exact double gradients of the same network, same data and same initial weights.
 */
class TrajectoryTest {
    static final int EPOCHS = 3;
    static final double L2 = 1e-3;
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    enum Type {
        DOUBLE(DataType.DOUBLE, 1e-9), FLOAT(DataType.FLOAT, 1e-4);

        final DataType dataType;
        /** Relative error allowed after all steps: float32 gradients differ from the double ones by rounding. */
        final double tol;

        Type(DataType dataType, double tol) {
            this.dataType = dataType;
            this.tol = tol;
        }
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        double e = Data.maxRelErr(actual, expected);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
    }

    static double[] runMsam(Model net, Oracle oracle, List<DataSet> batches, RefMsam ref) {
        int t = 0;
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                ref.step(oracle.gradient(ref.held(), b), t++);
            }
        }
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches), EPOCHS);
        } else {
            ((ComputationGraph) net).fit(Nets.iterator(batches), EPOCHS);
        }
        return net.params().toDoubleVector();
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void msamOnMultiLayerNetwork(Type type) {
        Msam cfg = Msam.builder().base(SGD).rho(0.5).build();
        MultiLayerNetwork net = Nets.mlp(cfg, type.dataType, L2, false);
        SharpnessAware.install(net);
        double[] theta0 = net.params().toDoubleVector();
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), t -> 0.5, L2, theta0);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false));
        double[] theta = runMsam(net, oracle, Nets.batches(4, 8, 1, type.dataType), ref);
        assertFalse(SharpnessAware.isPerturbed(net), "after fit(iterator) the network holds θ");
        assertClose(ref.theta(), theta, type.tol, "θ after " + EPOCHS + " epochs");
        assertEquals(ref.stepC(), Probe.msam(net).scale(), type.tol * ref.stepC(), "c");
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void msamOnResidualComputationGraph(Type type) {
        Msam cfg = Msam.builder().base(SGD.toBuilder().nesterov(true).build()).rho(0.3).build();
        ComputationGraph net = Nets.residual(cfg, type.dataType, L2);
        SharpnessAware.install(net);
        double[] theta0 = net.params().toDoubleVector();
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, true, 0, theta0.length), t -> 0.3, L2, theta0);
        Oracle oracle = new Oracle(Nets.residual(new Sgd(0), DataType.DOUBLE, 0));
        double[] theta = runMsam(net, oracle, Nets.batches(4, 8, 2, type.dataType), ref);
        assertClose(ref.theta(), theta, type.tol, "θ after " + EPOCHS + " epochs");
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void msamOverAdamW(Type type) {
        Msam cfg = Msam.builder().base(AdamW.builder().learningRate(1e-2).weightDecay(0.05).build()).rho(0.2).build();
        MultiLayerNetwork net = Nets.mlp(cfg, type.dataType, 0, false);
        SharpnessAware.install(net);
        double[] theta0 = net.params().toDoubleVector();
        RefMsam ref = new RefMsam(new RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.05, null, theta0.length), t -> 0.2, 0,
                theta0);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false));
        double[] theta = runMsam(net, oracle, Nets.batches(4, 8, 3, type.dataType), ref);
        assertClose(ref.theta(), theta, type.tol * 10, "θ after " + EPOCHS + " epochs");
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void samAndAdaptiveSam(Type type) {
        for (boolean adaptive : new boolean[] {false, true}) {
            Sam cfg = Sam.builder().base(SGD).rho(0.1).adaptive(adaptive).build();
            ComputationGraph net = Nets.residual(cfg, type.dataType, L2);
            SharpnessAware.install(net);
            double[] theta0 = net.params().toDoubleVector();
            RefSam ref = new RefSam(new RefSgd(t -> 0.1, 0.9, 0, false, L2, theta0.length), 0.1, adaptive, 0.01,
                    theta0);
            Oracle oracle = new Oracle(Nets.residual(new Sgd(0), DataType.DOUBLE, 0));
            List<DataSet> batches = Nets.batches(4, 8, 4, type.dataType);
            int t = 0;
            for (int e = 0; e < EPOCHS; e++) {
                for (DataSet b : batches) {
                    ref.step(oracle::gradient, b, t++);
                }
            }
            net.fit(Nets.iterator(batches), EPOCHS);
            assertClose(ref.theta, net.params().toDoubleVector(), type.tol, "SAM adaptive=" + adaptive);
        }
    }

    static double[] fitWith(IUpdater updater, boolean install, int batches, int epochs) {
        MultiLayerNetwork net = Nets.mlp(updater, DataType.FLOAT, L2, false);
        if (install) {
            SharpnessAware.install(net);
        }
        net.fit(Nets.iterator(Nets.batches(batches, 8, 5, DataType.FLOAT)), epochs);
        return net.params().toDoubleVector();
    }

    @ParameterizedTest
    @EnumSource(value = Type.class, names = "FLOAT")
    void rhoZeroEqualsTheBaseOptimizerExactly(Type type) {
        double[] base = fitWith(SGD, false, 4, EPOCHS);
        assertArrayEquals(base, fitWith(Msam.builder().base(SGD).rho(0).build(), true, 4, EPOCHS), 0.0, "MSAM ρ = 0");
        assertArrayEquals(base, fitWith(Sam.builder().base(SGD).rho(0).build(), true, 4, EPOCHS), 0.0, "SAM ρ = 0");
    }

    @ParameterizedTest
    @EnumSource(value = Type.class, names = "FLOAT")
    void firstMsamStepIsAPlainStep(Type type) {
        double[] base = fitWith(SGD, false, 1, 1);
        double[] msam = fitWith(Msam.builder().base(SGD).rho(3).build(), true, 1, 1);
        // Equal up to the rounding of removing the perturbation θ − c·v + c·v at the end of the epoch.
        assertClose(base, msam, 1e-6, "θ after one step");
        double[] sam = fitWith(Sam.builder().base(SGD).rho(0.05).build(), true, 1, 1);
        assertTrue(Data.maxRelErr(sam, base) > 1e-6, "SAM's first step is not a plain step");
    }
}
