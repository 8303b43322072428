package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msam.config.Esam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefEsam;
import org.msam.reference.RefSgd;
import org.msam.updater.SamUpdater;
import org.msam.updater.MomentumUpdater;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** ESAM on DL4J networks against a plain double-precision reference written from docs/ALGORITHMS.md. */
class EsamTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    /** @return the oracle's mean gradients and per-sample losses, for {@link RefEsam} */
    static RefEsam.Source source(Oracle o) {
        return new RefEsam.Source() {
            @Override
            public double[] gradient(double[] theta, DataSet ds) {
                return o.gradient(theta, ds);
            }

            @Override
            public double[] sampleLosses(double[] theta, DataSet ds) {
                return o.sampleLosses(theta, ds);
            }
        };
    }

    static Model net(IUpdater u, boolean graph) {
        if (graph) {
            ComputationGraph g = Nets.residual(u, DataType.DOUBLE, 0);
            SharpnessAware.install(g);
            return g;
        }
        MultiLayerNetwork net = Nets.mlp(u, DataType.DOUBLE, 0, false);
        SharpnessAware.install(net);
        return net;
    }

    static void fit(Model net, List<DataSet> batches, int epochs) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).fit(Nets.iterator(batches), epochs);
        } else {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches), epochs);
        }
    }

    /** @return [start, end) of every trainable parameter in the network's flat vector, in block order */
    static int[][] ranges(Model net) {
        List<int[]> r = new ArrayList<>();
        for (UpdaterBlock b : Probe.trainableBlocks(net)) {
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                r.add(new int[] {(int) ps.getParamOffsetStart(), (int) ps.getParamOffsetEnd()});
            }
        }
        return r.toArray(new int[0][]);
    }

    static double[] momentum(Model net) {
        double[] r = new double[(int) net.numParams()];
        for (UpdaterBlock b : Probe.trainableBlocks(net)) {
            INDArray v = ((MomentumUpdater) ((SamUpdater<?>) b.getGradientUpdater()).getBase()).momentum();
            double[] part = v.toDoubleVector();
            System.arraycopy(part, 0, r, b.getParamOffsetStart(), part.length);
        }
        return r;
    }

    @ParameterizedTest(name = "graph = {0}")
    @ValueSource(booleans = {false, true})
    void matchesTheReferenceOnParametersAndStateOverFiftySteps(boolean graph) {
        Esam cfg = Esam.builder().base(SGD).rho(0.3).weightFraction(0.5).sampleFraction(0.5).seed(7).build();
        Model net = net(cfg, graph);
        double[] theta0 = net.params().toDoubleVector();
        int[][] ranges = ranges(net);
        assertEquals(6, ranges.length);
        RefEsam ref = new RefEsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), 0.3, 0.5, 0.5, 7, ranges,
                theta0);
        RefEsam.Source oracle = source(new Oracle(graph ? Nets.residual(new Sgd(0), DataType.DOUBLE, 0)
                : Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false)));
        List<DataSet> batches = Nets.batches(4, 8, 51, DataType.DOUBLE);
        int t = 0;
        int partial = 0;
        for (int e = 0; e < 13; e++) {
            for (DataSet b : batches) {
                int masked = 0;
                for (int j = 0; j < ranges.length; j++) {
                    masked += RefEsam.kept(7, t, j, 0.5) ? 0 : 1;
                }
                partial += masked > 0 && masked < ranges.length ? 1 : 0;
                ref.step(oracle, b, t++);
            }
            fit(net, batches, 1);
            double err = Data.maxRelErr(net.params().toDoubleVector(), ref.theta);
            assertTrue(err < 1e-9, "θ after epoch " + e + ": error " + err);
            double vErr = Data.maxRelErr(momentum(net), ref.base.momentum());
            assertTrue(vErr < 1e-9, "v after epoch " + e + ": error " + vErr);
        }
        assertEquals(52, t);
        assertEquals(52, ref.subsetSteps, "every step selects 4 of 8 samples");
        assertTrue(partial > 10, "the masks keep some variables and drop others (" + partial + " steps)");
        assertTrue(Data.maxRelErr(theta0, ref.theta) > 1e-2, "the weights moved");
    }

    @ParameterizedTest(name = "graph = {0}")
    @ValueSource(booleans = {false, true})
    void fullFractionsAreSam(boolean graph) {
        List<DataSet> batches = Nets.batches(4, 8, 52, DataType.DOUBLE);
        Model esam = net(Esam.builder().base(SGD).rho(0.1).weightFraction(1).sampleFraction(1).build(), graph);
        Model sam = net(Sam.builder().base(SGD).rho(0.1).build(), graph);
        sam.setParams(esam.params().dup());
        fit(esam, batches, 3);
        fit(sam, batches, 3);
        assertArrayEquals(sam.params().toDoubleVector(), esam.params().toDoubleVector(), 0.0);
    }

    @Test
    void theSecondPassRunsOnTheSelectedSamplesWithBatchNorm() {
        // With BatchNorm, the running statistics come from the first pass over the whole mini-batch only: equal to
        // those of plain SGD's pass from the same weights on the first step.
        List<DataSet> batches = Nets.batches(1, 8, 53, DataType.DOUBLE);
        MultiLayerNetwork esam = Nets.mlp(Esam.builder().base(SGD).rho(0.2).sampleFraction(0.25).build(),
                DataType.DOUBLE, 0, true);
        SharpnessAware.install(esam);
        MultiLayerNetwork plain = Nets.mlp(SGD, DataType.DOUBLE, 0, true);
        plain.setParams(esam.params().dup());
        esam.fit(Nets.iterator(batches));
        plain.fit(Nets.iterator(batches));
        double[] a = esam.paramTable().get("1_mean").toDoubleVector();
        double[] b = plain.paramTable().get("1_mean").toDoubleVector();
        assertArrayEquals(b, a, 1e-15);
        assertTrue(Data.maxRelErr(esam.params().toDoubleVector(), plain.params().toDoubleVector()) > 1e-6);
        assertEquals(2, org.msam.rule.EsamRule.selected(0.25, 8));
    }

    @Test
    void resumesExactlyFromASavedModel(@TempDir Path dir) throws Exception {
        Esam cfg = Esam.builder().base(SGD).rho(0.2).weightFraction(0.5).sampleFraction(0.5).seed(3).build();
        List<DataSet> batches = Nets.batches(3, 8, 54, DataType.DOUBLE);
        Nets.assertResumesExactly((MultiLayerNetwork) net(cfg, false), (MultiLayerNetwork) net(cfg, false), batches,
                dir);
    }

    /**
     * SameDiff runs ESAM with γ = 1 (the weight masks): against the reference over 50 steps, with the variables in
     * SameDiff's order (by name: b0, b1, w0, w1), which is the order the masks are drawn in.
     */
    @Test
    void sameDiffMatchesTheReferenceWithTheWeightMasks() {
        Esam cfg = Esam.builder().base(SGD).rho(0.3).weightFraction(0.5).sampleFraction(1).seed(9).build();
        double[] theta0 = SdMlp.initial(31);
        SameDiff sd = SdMlp.build(theta0, cfg, 0);
        SharpnessAware.install(sd);
        // SdMlp's flat layout is w0, b0, w1, b1; the host's variable order is b0, b1, w0, w1.
        int w0 = SdMlp.IN * SdMlp.HIDDEN;
        int b0 = w0 + SdMlp.HIDDEN;
        int w1 = b0 + SdMlp.HIDDEN * SdMlp.OUT;
        int[][] ranges = {{w0, b0}, {w1, SdMlp.N}, {0, w0}, {b0, w1}};
        RefEsam ref = new RefEsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), 0.3, 0.5, 1, 9, ranges,
                theta0);
        SdMlp.Oracle sdOracle = new SdMlp.Oracle();
        RefEsam.Source oracle = new RefEsam.Source() {
            @Override
            public double[] gradient(double[] theta, DataSet ds) {
                return sdOracle.gradient(theta, ds);
            }

            @Override
            public double[] sampleLosses(double[] theta, DataSet ds) {
                throw new AssertionError("γ = 1 selects no samples");
            }
        };
        List<DataSet> batches = Nets.batches(5, 8, 55, DataType.DOUBLE);
        int t = 0;
        for (int e = 0; e < 10; e++) {
            for (DataSet b : batches) {
                ref.step(oracle, b, t++);
            }
            sd.fit(Nets.iterator(batches), 1);
            double err = Data.maxRelErr(SdMlp.params(sd), ref.theta);
            assertTrue(err < 1e-9, "θ after epoch " + e + ": error " + err);
        }
        assertEquals(50, t);
        assertTrue(Data.maxRelErr(theta0, ref.theta) > 1e-2, "the weights moved");
    }

    @Test
    void sameDiffRefusesTheSampleSelectionAndRunsTheWeightMasks() {
        SameDiff sd = SdMlp.build(SdMlp.initial(5), Esam.builder().base(SGD).sampleFraction(0.5).build(), 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(sd));
        assertTrue(e.getMessage().startsWith("ESAM's sample selection needs the loss of each sample"), e.getMessage());
        SameDiff ok = SdMlp.build(SdMlp.initial(5), Esam.builder().base(SGD).sampleFraction(1).build(), 0);
        SharpnessAware.install(ok);
    }

    @Test
    void badHyperParametersAreRefusedAndTheConfigurationRoundTrips() throws Exception {
        assertEquals("Invalid weightFraction value: 0.0 (must be in (0, 1])", assertThrows(
                IllegalArgumentException.class, () -> Esam.builder().base(SGD).weightFraction(0).build()).getMessage());
        assertEquals("Invalid sampleFraction value: 1.5 (must be in (0, 1])", assertThrows(
                IllegalArgumentException.class, () -> Esam.builder().base(SGD).sampleFraction(1.5).build())
                .getMessage());
        assertEquals("Invalid sampleFraction value: NaN (must be in (0, 1])", assertThrows(
                IllegalArgumentException.class, () -> Esam.builder().base(SGD).sampleFraction(Double.NaN).build())
                .getMessage());
        assertEquals("Invalid rho value: -1.0 (must be finite and >= 0)", assertThrows(IllegalArgumentException.class,
                () -> Esam.builder().base(SGD).rho(-1).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Esam.builder().build()).getMessage()
                .startsWith("Esam requires a base optimizer"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Esam.builder().base(Sam.builder().base(SGD).build()).build()).getMessage()
                .startsWith("Esam cannot wrap Sam"));
        Esam cfg = Esam.builder().base(SGD).rho(0.3).weightFraction(0.7).sampleFraction(0.6).seed(-5).build();
        ObjectMapper om = new ObjectMapper();
        IUpdater back = om.readValue(om.writerFor(IUpdater.class).writeValueAsString(cfg), IUpdater.class);
        assertEquals(cfg, back);
        assertEquals(cfg.hashCode(), back.hashCode());
        assertEquals(cfg, cfg.clone());
        assertNotEquals(cfg, cfg.toBuilder().seed(6).build());
        Esam d = Esam.builder().base(SGD).build();
        assertEquals(Esam.DEFAULT_WEIGHT_FRACTION, d.getWeightFraction());
        assertEquals(Esam.DEFAULT_SAMPLE_FRACTION, d.getSampleFraction());
        assertEquals(Esam.DEFAULT_RHO, d.getRho());
        assertEquals(Esam.DEFAULT_SEED, d.getSeed());
    }

    @Test
    void theMaskDrawIsTheDocumentedOne() {
        int agree = 0;
        int keptCount = 0;
        for (int t = 0; t < 200; t++) {
            for (int j = 0; j < 10; j++) {
                boolean a = org.msam.rule.EsamRule.keeps(11, t, j, 0.3);
                agree += a == RefEsam.kept(11, t, j, 0.3) ? 1 : 0;
                keptCount += a ? 1 : 0;
            }
        }
        assertEquals(2000, agree);
        assertTrue(keptCount > 500 && keptCount < 700, "about 30 % kept: " + keptCount);
    }
}
