package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefMsam;
import org.msam.reference.RefOptimizer;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** BatchNorm, several updater blocks, per-layer learning rates, frozen layers, dropout, clipping and masks. */
class FeaturesTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final Msam MSAM = Msam.builder().base(SGD).rho(0.5).build();

    /** Indices of the parameters whose block is trainable (not NoOp). */
    static int[] trainable(Model net) {
        List<Integer> idx = new ArrayList<>();
        for (org.deeplearning4j.nn.updater.UpdaterBlock b : Probe.trainableBlocks(net)) {
            for (long i = b.getParamOffsetStart(); i < b.getParamOffsetEnd(); i++) {
                idx.add((int) i);
            }
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    static double[] pick(double[] x, int[] idx) {
        double[] r = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            r[i] = x[idx[i]];
        }
        return r;
    }

    static double[] put(double[] full, int[] idx, double[] sub) {
        double[] r = full.clone();
        for (int i = 0; i < idx.length; i++) {
            r[idx[i]] = sub[i];
        }
        return r;
    }

    @Test
    void batchNormStatisticsAreOutsideTheNormAndTheTrajectoryMatches() {
        MultiLayerNetwork net = Nets.mlp(MSAM, DataType.DOUBLE, 0, true);
        SharpnessAware.install(net);
        int trainableBlocks = Probe.trainableBlocks(net).size();
        assertTrue(Probe.blocks(net).size() - trainableBlocks >= 1 && trainableBlocks >= 2,
                "BatchNorm splits the updater blocks");
        int[] idx = trainable(net);
        double[] full0 = net.params().toDoubleVector();
        assertTrue(idx.length < full0.length);
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, idx.length), t -> 0.5, 0, pick(full0, idx));
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, true));
        List<DataSet> batches = Nets.batches(4, 8, 11, DataType.DOUBLE);
        int t = 0;
        for (int e = 0; e < 2; e++) {
            for (DataSet b : batches) {
                ref.step(pick(oracle.gradient(put(full0, idx, ref.held()), b), idx), t++);
            }
        }
        net.fit(Nets.iterator(batches), 2);
        double err = Data.maxRelErr(pick(net.params().toDoubleVector(), idx), ref.theta());
        assertTrue(err < 1e-9, "trainable θ: error " + err);
        assertEquals(ref.stepC(), Probe.msam(net).scale(), 1e-9 * ref.stepC());
    }

    @Test
    void finishRecomputesBatchNormStatisticsAtTheta() {
        MultiLayerNetwork net = Nets.mlp(MSAM, DataType.FLOAT, 0, true);
        SharpnessAware.install(net);
        List<DataSet> batches = Nets.batches(4, 8, 12, DataType.FLOAT);
        for (DataSet b : batches) {
            net.fit(b);
        }
        int[] idx = trainable(net);
        double[] before = net.params().toDoubleVector();
        SharpnessAware.finish(net, Nets.iterator(batches), 2);
        double[] after = net.params().toDoubleVector();
        assertFalse(SharpnessAware.isPerturbed(net));
        boolean statsChanged = false;
        for (int i = 0; i < before.length; i++) {
            boolean isTrainable = java.util.Arrays.binarySearch(idx, i) >= 0;
            if (!isTrainable && before[i] != after[i]) {
                statsChanged = true;
            }
        }
        assertTrue(statsChanged, "running statistics were recomputed");
        MultiLayerNetwork twin = Nets.mlp(MSAM, DataType.FLOAT, 0, true);
        SharpnessAware.install(twin);
        for (DataSet b : batches) {
            twin.fit(b);
        }
        SharpnessAware.finish(twin, null, 0);
        assertArrayEquals(pick(twin.params().toDoubleVector(), idx), pick(after, idx), 0.0,
                "statistics passes leave the trainable parameters alone");
    }

    @Test
    void perLayerLearningRatesFormSeparateBlocksUnderOneNorm() {
        Msam slow = Msam.builder().base(SGD.toBuilder().learningRate(0.01).build()).rho(0.5).build();
        MultiLayerConfiguration conf = Nets.base(MSAM, DataType.DOUBLE, 0).list()
                .layer(new DenseLayer.Builder().nIn(Nets.IN).nOut(Nets.HIDDEN).activation(Activation.TANH)
                        .updater(slow).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(Nets.HIDDEN).nOut(Nets.OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        SharpnessAware.install(net);
        assertEquals(2, Probe.msam(net).updaters().size());
        int split = Nets.IN * Nets.HIDDEN + Nets.HIDDEN;
        double[] theta0 = net.params().toDoubleVector();
        RefSgd a = new RefSgd(t -> 0.01, 0.9, 0, false, 0, split);
        RefSgd b = new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length - split);
        RefOptimizer both = new RefOptimizer() {
            @Override
            public void step(double[] theta, double[] g, int iteration) {
                double[] t1 = java.util.Arrays.copyOfRange(theta, 0, split);
                double[] t2 = java.util.Arrays.copyOfRange(theta, split, theta.length);
                a.step(t1, java.util.Arrays.copyOfRange(g, 0, split), iteration);
                b.step(t2, java.util.Arrays.copyOfRange(g, split, g.length), iteration);
                System.arraycopy(t1, 0, theta, 0, split);
                System.arraycopy(t2, 0, theta, split, t2.length);
            }

            @Override
            public double[] momentum() {
                double[] v = new double[theta0.length];
                System.arraycopy(a.momentum(), 0, v, 0, split);
                System.arraycopy(b.momentum(), 0, v, split, v.length - split);
                return v;
            }
        };
        RefMsam ref = new RefMsam(both, t -> 0.5, 0, theta0);
        MultiLayerNetwork plain = new MultiLayerNetwork(Nets.base(new Sgd(0), DataType.DOUBLE, 0).list()
                .layer(new DenseLayer.Builder().nIn(Nets.IN).nOut(Nets.HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(Nets.HIDDEN).nOut(Nets.OUT)
                        .activation(Activation.SOFTMAX).build())
                .build());
        plain.init();
        Oracle oracle = new Oracle(plain);
        List<DataSet> batches = Nets.batches(4, 8, 13, DataType.DOUBLE);
        int t = 0;
        for (DataSet ds : batches) {
            ref.step(oracle.gradient(ref.held(), ds), t++);
        }
        net.fit(Nets.iterator(batches));
        double err = Data.maxRelErr(net.params().toDoubleVector(), ref.theta());
        assertTrue(err < 1e-9, "error " + err);
    }

    @Test
    void frozenLayersStayFixedAndUnperturbed() {
        MultiLayerNetwork pre = Nets.mlp(new Sgd(0.1), DataType.FLOAT, 0, false);
        for (Object updater : new Object[] {MSAM, Sam.builder().base(SGD).rho(0.1).build()}) {
            MultiLayerNetwork net = new TransferLearning.Builder(pre.clone())
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder()
                            .updater((org.nd4j.linalg.learning.config.IUpdater) updater).build())
                    .setFeatureExtractor(0).build();
            int frozen = Nets.IN * Nets.HIDDEN + Nets.HIDDEN;
            double[] fixed = java.util.Arrays.copyOf(net.params().toDoubleVector(), frozen);
            List<String> moved = new ArrayList<>();
            SharpnessAware.install(net, new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model model) {
                    if (!java.util.Arrays.equals(fixed, java.util.Arrays.copyOf(model.params().toDoubleVector(), frozen))) {
                        moved.add("frozen layer changed during training");
                    }
                }
            });
            double[] trainableBefore = net.params().toDoubleVector();
            net.fit(Nets.iterator(Nets.batches(4, 8, 14, DataType.FLOAT)), 2);
            assertEquals(List.of(), moved);
            assertArrayEquals(fixed, java.util.Arrays.copyOf(net.params().toDoubleVector(), frozen), 0.0);
            assertFalse(java.util.Arrays.equals(trainableBefore, net.params().toDoubleVector()));
        }
    }

    @Test
    void dropoutClippingAndMasksTrain() {
        MultiLayerNetwork dropout = new MultiLayerNetwork(Nets.base(MSAM, DataType.FLOAT, 0).list()
                .layer(new DenseLayer.Builder().nIn(Nets.IN).nOut(16).activation(Activation.RELU).dropOut(0.8)
                        .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(0.5)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(Nets.OUT)
                        .activation(Activation.SOFTMAX).build())
                .build());
        dropout.init();
        SharpnessAware.install(dropout);
        List<DataSet> data = Nets.batches(4, 16, 15, DataType.FLOAT);
        double first = dropout.score(data.get(0));
        dropout.fit(Nets.iterator(data), 15);
        assertTrue(dropout.score(data.get(0)) < first, "loss decreases with dropout and per-layer clipping");

        MultiLayerNetwork rnn = new MultiLayerNetwork(Nets.base(Sam.builder().base(SGD).rho(0.05).build(),
                DataType.FLOAT, 0).list()
                .layer(new LSTM.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        rnn.init();
        SharpnessAware.install(rnn);
        INDArray f = Nd4j.rand(DataType.FLOAT, 2, 3, 5);
        INDArray l = Nd4j.zeros(DataType.FLOAT, 2, 2, 5);
        l.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(1);
        INDArray mask = Nd4j.createFromArray(new float[][] {{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}});
        DataSet masked = new DataSet(f, l, mask, mask);
        double before = rnn.score(masked);
        for (int i = 0; i < 10; i++) {
            rnn.fit(masked);
        }
        assertTrue(rnn.score(masked) < before, "masked sequence loss decreases");
    }

    @Test
    void adamwWeightsOnlyDecayDecaysExactlyTheWeightsInBothNetworkTypes() {
        org.msam.config.AdamW adamw = org.msam.config.AdamW.builder().learningRate(1e-2).weightDecay(0.5)
                .decayScope(org.msam.config.DecayScope.WEIGHTS_ONLY).build();
        int[][] layout = {{Nets.IN * Nets.HIDDEN, Nets.HIDDEN}, {Nets.HIDDEN * Nets.HIDDEN, Nets.HIDDEN},
            {Nets.HIDDEN * Nets.OUT, Nets.OUT}};
        boolean[] weights = new boolean[Nets.IN * Nets.HIDDEN + Nets.HIDDEN * Nets.HIDDEN + Nets.HIDDEN * Nets.OUT
                + 2 * Nets.HIDDEN + Nets.OUT];
        int i = 0;
        for (int[] l : layout) {
            for (int k = 0; k < l[0]; k++) {
                weights[i++] = true;
            }
            i += l[1];
        }
        List<DataSet> batches = Nets.batches(3, 8, 17, DataType.DOUBLE);
        for (boolean graph : new boolean[] {false, true}) {
            Model net = graph ? Nets.residual(Msam.builder().base(adamw).rho(0.2).build(), DataType.DOUBLE, 0)
                    : Nets.mlp(Msam.builder().base(adamw).rho(0.2).build(), DataType.DOUBLE, 0, false);
            Oracle oracle = new Oracle(graph ? Nets.residual(new Sgd(0), DataType.DOUBLE, 0)
                    : Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false));
            double[] theta0 = net.params().toDoubleVector();
            RefMsam ref = new RefMsam(new org.msam.reference.RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.5, weights,
                    theta0.length), t -> 0.2, 0, theta0);
            int t = 0;
            for (DataSet b : batches) {
                ref.step(oracle.gradient(ref.held(), b), t++);
            }
            if (graph) {
                SharpnessAware.install((org.deeplearning4j.nn.graph.ComputationGraph) net);
                ((org.deeplearning4j.nn.graph.ComputationGraph) net).fit(Nets.iterator(batches));
            } else {
                SharpnessAware.install((MultiLayerNetwork) net);
                ((MultiLayerNetwork) net).fit(Nets.iterator(batches));
            }
            double err = Data.maxRelErr(net.params().toDoubleVector(), ref.theta());
            assertTrue(err < 1e-9, (graph ? "ComputationGraph" : "MultiLayerNetwork") + ": error " + err);
        }
    }
}
