package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * A mini-batch with NaN features is refused before the step on every host under every rule: the weights and the
 * optimizer state are unchanged, and the next clean mini-batch trains.
 */
class NonFiniteBatchTest {
    enum HostKind { MULTI_LAYER_NETWORK, COMPUTATION_GRAPH, SAME_DIFF }

    /** @return every registered rule over every base on each network type, and on SameDiff where it runs there */
    static List<Arguments> cases() {
        List<Arguments> r = new ArrayList<>();
        for (HostKind h : HostKind.values()) {
            for (RuleCases.Case c : RuleCases.all()) {
                if (h != HostKind.SAME_DIFF || c.onSameDiff()) {
                    r.add(Arguments.of(h, c));
                }
            }
        }
        return r;
    }

    static DataSet withNaN(DataSet clean) {
        INDArray f = clean.getFeatures().dup();
        f.putScalar(0, 1, Double.NaN);
        return new DataSet(f, clean.getLabels());
    }

    /** The model's weights and optimizer state, copied. */
    interface Trained {
        void fit(DataSet batch);

        double[] weights();

        double[] state();
    }

    static Trained network(HostKind h, RuleCases.Case rule) {
        MultiLayerNetwork m = Nets.mlp(rule.updater(), DataType.DOUBLE, rule.l2(), rule.batchNorm());
        Model net;
        if (h == HostKind.COMPUTATION_GRAPH) {
            ComputationGraph g = m.toComputationGraph();
            SharpnessAware.install(g);
            net = g;
        } else {
            SharpnessAware.install(m);
            net = m;
        }
        return new Trained() {
            @Override
            public void fit(DataSet batch) {
                if (net instanceof MultiLayerNetwork) {
                    ((MultiLayerNetwork) net).fit(batch);
                } else {
                    ((ComputationGraph) net).fit(batch);
                }
            }

            @Override
            public double[] weights() {
                return net.params().toDoubleVector();
            }

            @Override
            public double[] state() {
                return net instanceof MultiLayerNetwork
                        ? ((MultiLayerNetwork) net).getUpdater().getStateViewArray().toDoubleVector()
                        : ((ComputationGraph) net).getUpdater().getStateViewArray().toDoubleVector();
            }
        };
    }

    static Trained sameDiff(RuleCases.Case rule) {
        SameDiff sd = SdMlp.build(SdMlp.initial(5), rule.updater(), rule.l2());
        SharpnessAware.install(sd);
        return new Trained() {
            @Override
            public void fit(DataSet batch) {
                sd.fit(batch);
            }

            @Override
            public double[] weights() {
                return SdMlp.params(sd);
            }

            @Override
            public double[] state() {
                List<Double> all = new ArrayList<>();
                for (String v : SdMlp.VARS) {
                    GradientUpdater<?> u = sd.getUpdaterMap().get(v);
                    for (Map.Entry<String, INDArray> e : new TreeMap<>(u.getState()).entrySet()) {
                        for (double x : e.getValue().toDoubleVector()) {
                            all.add(x);
                        }
                    }
                }
                return all.stream().mapToDouble(Double::doubleValue).toArray();
            }
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void aNaNBatchIsRefusedBeforeTheStepAndTrainingGoesOn(HostKind h, RuleCases.Case rule) {
        Trained t = h == HostKind.SAME_DIFF ? sameDiff(rule) : network(h, rule);
        List<DataSet> batches = Nets.batches(4, 8, 3, DataType.DOUBLE);
        t.fit(batches.get(0));
        t.fit(batches.get(1));
        double[] weights = t.weights();
        double[] state = t.state();
        Throwable e = assertThrows(Throwable.class, () -> t.fit(withNaN(batches.get(2))));
        assertTrue(mentions(e, "non-finite"), "the error names the problem: " + e);
        // Every host holds θ between steps: MSAM's θ̃ = θ − c·v, taken for the refused pass, is undone by θ̃ + c·v,
        // exact up to rounding.
        double[] now = t.weights();
        for (int i = 0; i < now.length; i++) {
            assertEquals(weights[i], now[i], 1e-15 * Math.max(1, Math.abs(weights[i])), "weight " + i + " unchanged");
        }
        assertArrayEquals(state, t.state(), 0.0, "optimizer state unchanged");
        t.fit(batches.get(2));
        t.fit(batches.get(3));
        double[] after = t.weights();
        boolean moved = false;
        for (int i = 0; i < after.length; i++) {
            assertFalse(Double.isNaN(after[i]) || Double.isInfinite(after[i]), "finite after the clean batches");
            moved |= after[i] != weights[i];
        }
        assertTrue(moved, "the clean batches trained");
    }

    static boolean mentions(Throwable t, String part) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(part)) {
                return true;
            }
        }
        return false;
    }
}
