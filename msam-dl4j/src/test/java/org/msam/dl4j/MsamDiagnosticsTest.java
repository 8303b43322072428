package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.RefMsam;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/** The diagnostics equal the same quantities computed from the double-precision reference run. */
class MsamDiagnosticsTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    @Test
    void recordsCosineLossesAndNormsOfTheReferenceRun(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = Nets.mlp(Msam.builder().base(SGD).rho(0.5).build(), DataType.DOUBLE, 0, false);
        MsamDiagnostics diag = new MsamDiagnostics(dir.resolve("diag/msam.csv"), 1);
        SharpnessAware.install(net, diag);
        check(net, diag, dir.resolve("diag/msam.csv"), new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false)));
    }

    @Test
    void recordsTheSameOnAComputationGraphTrainedFromAnIterator(@TempDir Path dir) throws Exception {
        ComputationGraph net = Nets.residual(Msam.builder().base(SGD).rho(0.5).build(), DataType.DOUBLE, 0);
        MsamDiagnostics diag = new MsamDiagnostics(dir.resolve("graph.csv"), 1);
        SharpnessAware.install(net, diag);
        check(net, diag, dir.resolve("graph.csv"), new Oracle(Nets.residual(new Sgd(0), DataType.DOUBLE, 0)));
    }

    private static void check(Model net, MsamDiagnostics diag, Path csv, Oracle oracle) throws Exception {
        double[] theta0 = net.params().toDoubleVector();
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), t -> 0.5, 0, theta0);
        List<DataSet> batches = Nets.batches(6, 8, 31, DataType.DOUBLE);
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).fit(Nets.iterator(batches));
        } else {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches));
        }
        assertEquals(6, diag.rows().size());
        assertEquals(7, Files.readAllLines(csv).size());
        assertEquals(MsamDiagnostics.HEADER, Files.readAllLines(csv).get(0));
        for (int t = 0; t < batches.size(); t++) {
            DataSet b = batches.get(t);
            double[] v = ref.momentum().clone();
            double[] held = ref.held().clone();
            double[] theta = ref.theta().clone();
            double[] g = oracle.gradient(held, b);
            double dot = 0;
            double vv = 0;
            double gg = 0;
            for (int i = 0; i < g.length; i++) {
                dot += v[i] * g[i];
                vv += v[i] * v[i];
                gg += g[i] * g[i];
            }
            MsamDiagnostics.Row row = diag.rows().get(t);
            assertEquals(t, row.iteration);
            if (t == 0) {
                assertTrue(Double.isNaN(row.cosine), "no momentum before the first step");
            } else {
                assertEquals(dot / Math.sqrt(vv * gg), row.cosine, 1e-9, "cosine at " + t);
                assertEquals(0.5, row.perturbationNorm(), 1e-9);
            }
            assertEquals(Math.sqrt(vv), row.momentumNorm, 1e-9);
            assertEquals(oracle.score(held, b), row.lossThetaTilde, 1e-9, "loss at θ̃, iteration " + t);
            assertEquals(oracle.score(theta, b), row.lossTheta, 1e-9, "loss at θ, iteration " + t);
            ref.step(g, t);
        }
    }

    @Test
    void refusesWithoutMsam() {
        MultiLayerNetwork net = Nets.mlp(Sam.builder().base(SGD).build(), DataType.FLOAT, 0, false);
        SharpnessAware.install(net, new MsamDiagnostics(null, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.fit(Nets.batches(1, 8, 1, DataType.FLOAT).get(0)));
        assertTrue(e.getMessage().startsWith("MsamDiagnostics needs MSAM"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MsamDiagnostics(null, 0));
    }
}
