package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/** Adaptive MSAM on DL4J networks against a plain double-precision reference written from docs/ALGORITHMS.md. */
class AdaptiveMsamTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final double L2 = 1e-3;

    /** θ̃ = θ + e, e = −ρ·T²⊙v/(‖T⊙v‖ + δ), T = |θ| + η_a after each base step; coupled decay at θ̃. */
    static final class RefAdaptiveMsam {
        final RefSgd base;
        final double rho;
        final double eta;
        final double[] theta;
        final double[] held;
        final double[] e;

        RefAdaptiveMsam(RefSgd base, double rho, double eta, double[] theta0) {
            this.base = base;
            this.rho = rho;
            this.eta = eta;
            this.theta = theta0.clone();
            this.held = theta0.clone();
            this.e = new double[theta0.length];
        }

        void step(double[] g, int t) {
            int n = theta.length;
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = g[i] + L2 * held[i];
                theta[i] = held[i] - e[i];
            }
            base.step(theta, d, t);
            double[] v = base.momentum();
            double sq = 0;
            double[] tt = new double[n];
            for (int i = 0; i < n; i++) {
                tt[i] = Math.abs(theta[i]) + eta;
                sq += tt[i] * v[i] * tt[i] * v[i];
            }
            double c = rho / (Math.sqrt(sq) + 1e-12);
            for (int i = 0; i < n; i++) {
                e[i] = -c * tt[i] * tt[i] * v[i];
                held[i] = theta[i] + e[i];
            }
        }
    }

    static MultiLayerNetwork net(IUpdater u) {
        MultiLayerNetwork net = Nets.mlp(u, DataType.DOUBLE, L2, false);
        SharpnessAware.install(net);
        return net;
    }

    @Test
    void matchesTheReferenceOverFiftySteps() {
        MultiLayerNetwork net = net(Msam.builder().base(SGD).rho(0.5).adaptive(true).adaptiveEta(0.1).build());
        double[] theta0 = net.params().toDoubleVector();
        RefAdaptiveMsam ref = new RefAdaptiveMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), 0.5, 0.1,
                theta0);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false));
        List<DataSet> batches = Nets.batches(4, 8, 51, DataType.DOUBLE);
        int t = 0;
        for (int epoch = 0; epoch < 13; epoch++) {
            for (DataSet b : batches) {
                ref.step(oracle.gradient(ref.held, b), t++);
            }
            net.fit(Nets.iterator(batches));
            double err = Data.maxRelErr(net.params().toDoubleVector(), ref.theta);
            assertTrue(err < 1e-9, "θ after epoch " + epoch + ": error " + err);
        }
        assertEquals(52, t);
        assertTrue(Data.maxRelErr(theta0, ref.theta) > 1e-2, "the weights moved");
    }

    @Test
    void aHugeEtaIsPlainMsamWithRhoScaled() {
        // T = |θ| + η_a ≈ η_a: e ≈ −(ρ·η_a)·v/‖v‖, plain MSAM with ρ·η_a, to a relative error of about |θ|/η_a.
        List<DataSet> batches = Nets.batches(4, 8, 52, DataType.DOUBLE);
        MultiLayerNetwork adaptive = net(Msam.builder().base(SGD).rho(0.5e-6).adaptive(true).adaptiveEta(1e6).build());
        MultiLayerNetwork plain = net(Msam.builder().base(SGD).rho(0.5).build());
        plain.setParams(adaptive.params().dup());
        adaptive.fit(Nets.iterator(batches), 3);
        plain.fit(Nets.iterator(batches), 3);
        double err = Data.maxRelErr(adaptive.params().toDoubleVector(), plain.params().toDoubleVector());
        assertTrue(err < 1e-4, "error " + err);
        MultiLayerNetwork unscaled = net(Msam.builder().base(SGD).rho(0.5e-6).build());
        unscaled.setParams(Nets.mlp(SGD, DataType.DOUBLE, L2, false).params().dup());
        assertTrue(Data.maxRelErr(adaptive.params().toDoubleVector(), unscaled.params().toDoubleVector()) > 1e-3,
                "the comparison can fail");
    }

    @Test
    void rhoZeroIsTheBaseOptimizerAndAResumeIsExact(@TempDir Path dir) throws Exception {
        List<DataSet> batches = Nets.batches(4, 8, 53, DataType.DOUBLE);
        MultiLayerNetwork zero = net(Msam.builder().base(SGD).rho(0).adaptive(true).build());
        MultiLayerNetwork plain = Nets.mlp(SGD, DataType.DOUBLE, L2, false);
        plain.setParams(zero.params().dup());
        zero.fit(Nets.iterator(batches), 2);
        plain.fit(Nets.iterator(batches), 2);
        assertArrayEquals(plain.params().toDoubleVector(), zero.params().toDoubleVector(), 0.0, "ρ = 0");

        Msam cfg = Msam.builder().base(SGD).rho(0.5).adaptive(true).build();
        Nets.assertResumesExactly(net(cfg), net(cfg), batches, dir);
    }
}
