package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.msam.config.Esam;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Truncated BPTT (docs/ALGORITHMS.md, "Truncated BPTT"): DL4J steps the optimizer once per segment, and so do the
 * rules: each segment is one step of the rule on that segment, from the recurrent state the previous segment carried.
 * The state carried on is the one of the step's own pass: MSAM's at θ̃ (its only pass), SAM's at θ (its first pass;
 * the pass at θ + e does not advance it). Checked against a double-precision reference that runs DL4J's segment loop
 * by hand on a twin network, taking its gradients with {@code computeGradientAndScore} at the weights the rule needs.
 * On MultiLayerNetwork only: DL4J 1.0.0-M2.1's truncated BPTT on a ComputationGraph with an RnnOutputLayer fails
 * inside DL4J with the base optimizer alone ("Sequence lengths do not match for RnnOutputLayer input and labels").
 */
class TruncatedBpttTest {
    static final int IN = 3;
    static final int UNITS = 4;
    static final int OUT = 2;
    static final int SEGMENT = 3;
    static final int LENGTH = 7;
    static final int BATCH = 5;
    static final double ETA = 0.1;
    static final double MU = 0.9;
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(ETA).momentum(MU).build();

    static MultiLayerNetwork lstm(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.DOUBLE).updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(new LSTM.Builder().nIn(IN).nOut(UNITS).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(UNITS).nOut(OUT)
                        .activation(Activation.SOFTMAX).build())
                .backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(SEGMENT).tBPTTBackwardLength(SEGMENT)
                .build());
        net.init();
        return net;
    }

    static List<DataSet> sequences(int n, long seed) {
        List<DataSet> r = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            INDArray x = Nd4j.createFromArray(Data.normal(seed * 10 + b, BATCH * IN * LENGTH, 1.0))
                    .reshape(BATCH, IN, LENGTH);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, BATCH, OUT, LENGTH);
            java.util.Random rnd = new java.util.Random(seed * 17 + b);
            for (int i = 0; i < BATCH; i++) {
                for (int t = 0; t < LENGTH; t++) {
                    y.putScalar(new int[] {i, rnd.nextInt(OUT), t}, 1.0);
                }
            }
            r.add(new DataSet(x, y));
        }
        return r;
    }

    /** DL4J's truncated-BPTT loop by hand on a twin network, with the rule's maths in double. */
    static final class Reference {
        final MultiLayerNetwork twin = lstm(SGD);
        final double[] theta;
        final double[] v;
        final double rho;
        final boolean msam;
        double c;

        Reference(double[] theta0, double rho, boolean msam) {
            this.theta = theta0.clone();
            this.v = new double[theta0.length];
            this.rho = rho;
            this.msam = msam;
        }

        /** @return the mean gradient of the segment at {@code at}; the twin's carried state is then that pass's */
        double[] gradient(double[] at, INDArray x, INDArray y) {
            twin.setParams(Nd4j.createFromArray(at).reshape(1, at.length));
            twin.setInput(x);
            twin.setLabels(y);
            twin.computeGradientAndScore();
            double[] g = twin.gradient().gradient().toDoubleVector();
            for (int i = 0; i < g.length; i++) {
                g[i] /= BATCH;
            }
            return g;
        }

        void fit(DataSet ds) {
            twin.rnnClearPreviousState();
            for (int start = 0; start < LENGTH; start += SEGMENT) {
                int end = Math.min(LENGTH, start + SEGMENT);
                INDArray x = ds.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(start, end));
                INDArray y = ds.getLabels().get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(start, end));
                double[] g;
                if (msam) {
                    double[] held = new double[theta.length];
                    for (int i = 0; i < held.length; i++) {
                        held[i] = theta[i] - c * v[i];
                    }
                    g = gradient(held, x, y);
                } else {
                    double[] g1 = gradient(theta, x, y);
                    List<Map<String, INDArray>> carried = carried();
                    double sq = 0;
                    for (double d : g1) {
                        sq += d * d;
                    }
                    double scale = rho / (Math.sqrt(sq) + 1e-12);
                    double[] up = theta.clone();
                    for (int i = 0; i < up.length; i++) {
                        up[i] += scale * g1[i];
                    }
                    g = gradient(up, x, y);
                    restore(carried);
                }
                double sq = 0;
                for (int i = 0; i < theta.length; i++) {
                    v[i] = MU * v[i] + g[i];
                    theta[i] -= ETA * v[i];
                    sq += v[i] * v[i];
                }
                c = msam ? rho / (Math.sqrt(sq) + 1e-12) : 0;
                twin.updateRnnStateWithTBPTTState();
            }
            twin.rnnClearPreviousState();
        }

        List<Map<String, INDArray>> carried() {
            List<Map<String, INDArray>> r = new ArrayList<>();
            for (Layer l : twin.getLayers()) {
                Map<String, INDArray> copy = null;
                if (l instanceof RecurrentLayer) {
                    copy = new HashMap<>();
                    for (Map.Entry<String, INDArray> e : ((RecurrentLayer) l).rnnGetTBPTTState().entrySet()) {
                        copy.put(e.getKey(), e.getValue().dup());
                    }
                }
                r.add(copy);
            }
            return r;
        }

        void restore(List<Map<String, INDArray>> saved) {
            Layer[] layers = twin.getLayers();
            for (int i = 0; i < layers.length; i++) {
                if (saved.get(i) != null) {
                    ((RecurrentLayer) layers[i]).rnnSetTBPTTState(saved.get(i));
                }
            }
        }
    }

    static void assertFollowsReference(IUpdater updater, double rho, boolean msam) {
        MultiLayerNetwork net = lstm(updater);
        SharpnessAware.install(net);
        Reference ref = new Reference(net.params().toDoubleVector(), rho, msam);
        List<DataSet> data = sequences(4, 3);
        for (int i = 0; i < data.size(); i++) {
            net.fit(data.get(i));
            ref.fit(data.get(i));
            assertArrayEquals(ref.theta, net.params().toDoubleVector(), 1e-12, updater + ", sequence " + i);
            assertFalse(SharpnessAware.isPerturbed(net));
        }
        // 3 segments per sequence, each one optimizer step
        org.junit.jupiter.api.Assertions.assertEquals(3 * data.size(), net.getIterationCount());
        if (msam) {
            assertTrue(ref.c > 0);
        }
    }

    @Test
    void msamTakesOneStepPerSegmentFromTheStateItsPassCarried() {
        assertFollowsReference(Msam.builder().base(SGD).rho(0.5).build(), 0.5, true);
    }

    @Test
    void samTakesOneStepPerSegmentAndCarriesTheStateOfItsPassAtTheta() {
        assertFollowsReference(Sam.builder().base(SGD).rho(0.1).build(), 0.1, false);
    }

    @Test
    void msamAtRhoZeroIsTheBaseOptimizerBitForBit() {
        MultiLayerNetwork base = lstm(SGD);
        MultiLayerNetwork msam = lstm(Msam.builder().base(SGD).rho(0).build());
        SharpnessAware.install(msam);
        for (DataSet ds : sequences(3, 5)) {
            base.fit(ds);
            msam.fit(ds);
        }
        assertArrayEquals(base.params().toDoubleVector(), msam.params().toDoubleVector(), 0.0);
    }

    @Test
    void sampleSelectionIsRefusedByName() {
        MultiLayerNetwork net = lstm(Esam.builder().base(SGD).rho(0.05).weightFraction(1).sampleFraction(0.5)
                .seed(1).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(net));
        assertTrue(e.getMessage().contains("truncated BPTT") && e.getMessage().contains("sampleFraction(1)"),
                e.getMessage());
    }
}
