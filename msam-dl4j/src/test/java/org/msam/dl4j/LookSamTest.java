package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.LookSam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefLookSam;
import org.msam.reference.RefSgd;
import org.msam.updater.LookSamUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** LookSAM on DL4J networks against a plain double-precision reference written from docs/ALGORITHMS.md. */
class LookSamTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final double DELTA = 1e-12;

    static MultiLayerNetwork net(IUpdater u) {
        MultiLayerNetwork net = Nets.mlp(u, DataType.DOUBLE, 0, false);
        SharpnessAware.install(net);
        return net;
    }

    static double[] gv(MultiLayerNetwork net) {
        double[] r = new double[(int) net.numParams()];
        for (org.deeplearning4j.nn.updater.UpdaterBlock b : Probe.trainableBlocks(net)) {
            double[] part = ((LookSamUpdater) b.getGradientUpdater()).gv().toDoubleVector();
            System.arraycopy(part, 0, r, b.getParamOffsetStart(), part.length);
        }
        return r;
    }

    @Test
    void matchesTheReferenceOnParametersAndStateOverFiftySteps() {
        LookSam cfg = LookSam.builder().base(SGD).rho(0.2).period(3).alpha(0.5).build();
        MultiLayerNetwork net = net(cfg);
        double[] theta0 = net.params().toDoubleVector();
        RefLookSam ref = new RefLookSam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), 0.2, 3, 0.5, theta0);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false));
        List<DataSet> batches = Nets.batches(4, 8, 41, DataType.DOUBLE);
        int t = 0;
        for (int e = 0; e < 13; e++) {
            for (DataSet b : batches) {
                ref.step(oracle::gradient, b, t++);
            }
            net.fit(Nets.iterator(batches));
            double err = Data.maxRelErr(net.params().toDoubleVector(), ref.theta);
            assertTrue(err < 1e-9, "θ after epoch " + e + ": error " + err);
            double gvErr = Data.maxRelErr(gv(net), ref.gv);
            assertTrue(gvErr < 1e-9, "g_v after epoch " + e + ": error " + gvErr);
        }
        assertEquals(52, t);
        assertTrue(Data.maxRelErr(theta0, ref.theta) > 1e-2, "the weights moved");
    }

    /** SGD with momentum, and ND4J's RmsProp, whose state starts at ε (not 0). */
    static List<IUpdater> bases() {
        return List.of(SGD, new RmsProp(0.01, 0.9, 1e-6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bases")
    void periodOneIsSam(IUpdater base) {
        List<DataSet> batches = Nets.batches(4, 8, 42, DataType.DOUBLE);
        MultiLayerNetwork look = net(LookSam.builder().base(base).rho(0.1).period(1).alpha(0.7).build());
        MultiLayerNetwork sam = net(Sam.builder().base(base).rho(0.1).build());
        sam.setParams(look.params().dup());
        look.fit(Nets.iterator(batches), 3);
        sam.fit(Nets.iterator(batches), 3);
        assertArrayEquals(sam.params().toDoubleVector(), look.params().toDoubleVector(), 0.0);
    }

    @Test
    void alphaZeroIsTheBaseOptimizerBetweenSamSteps() {
        // With α = 0 and ρ = 0 every step is the base optimizer's.
        List<DataSet> batches = Nets.batches(4, 8, 43, DataType.DOUBLE);
        MultiLayerNetwork look = net(LookSam.builder().base(SGD).rho(0).period(4).alpha(0).build());
        MultiLayerNetwork plain = Nets.mlp(SGD, DataType.DOUBLE, 0, false);
        plain.setParams(look.params().dup());
        look.fit(Nets.iterator(batches), 3);
        plain.fit(Nets.iterator(batches), 3);
        assertArrayEquals(plain.params().toDoubleVector(), look.params().toDoubleVector(), 0.0);
    }

    @Test
    void resumesExactlyFromASavedModel(@TempDir Path dir) throws Exception {
        LookSam cfg = LookSam.builder().base(SGD).rho(0.2).period(3).alpha(0.5).build();
        List<DataSet> batches = Nets.batches(5, 8, 44, DataType.DOUBLE);
        Nets.assertResumesExactly(net(cfg), net(cfg), batches, dir);
    }

    @Test
    void badHyperParametersAreRefusedAndTheConfigurationRoundTrips() throws Exception {
        assertEquals("Invalid period value: 0 (must be >= 1)", assertThrows(IllegalArgumentException.class,
                () -> LookSam.builder().base(SGD).period(0).build()).getMessage());
        assertEquals("Invalid alpha value: -1.0 (must be finite and >= 0)", assertThrows(
                IllegalArgumentException.class, () -> LookSam.builder().base(SGD).alpha(-1).build()).getMessage());
        assertEquals("Invalid rho value: NaN (must be finite and >= 0)", assertThrows(IllegalArgumentException.class,
                () -> LookSam.builder().base(SGD).rho(Double.NaN).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LookSam.builder().build()).getMessage()
                .startsWith("LookSam requires a base optimizer"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LookSam.builder().base(Sam.builder().base(SGD).build()).build()).getMessage()
                .startsWith("LookSam cannot wrap Sam"));
        LookSam cfg = LookSam.builder().base(SGD).rho(0.3).period(7).alpha(0.1).build();
        ObjectMapper om = new ObjectMapper();
        IUpdater back = om.readValue(om.writerFor(IUpdater.class).writeValueAsString(cfg), IUpdater.class);
        assertEquals(cfg, back);
        assertEquals(cfg.hashCode(), back.hashCode());
        assertEquals(cfg, cfg.clone());
        assertNotEquals(cfg, cfg.toBuilder().period(5).build());
        assertEquals(LookSam.DEFAULT_PERIOD, LookSam.builder().base(SGD).build().getPeriod());
    }
}
