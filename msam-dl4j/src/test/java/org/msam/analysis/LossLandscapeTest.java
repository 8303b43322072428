package org.msam.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.SharpnessAware;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** LossLandscape against exact answers: linear regression, constructed features, optimizer state. */
class LossLandscapeTest {
    private static final int N = 10;
    private static final int N_IN = 5;

    private static final double[][] X = Fixtures.gaussian(N, N_IN, 1);

    /**
     * DL4J's MSE is the mean over outputs of the squared error, averaged over the samples: L = Σ_i Σ_o
     * (w_oᵀx_i + b_o − y_io)² / (n·nOut), so over (w_o, b_o) of each output H = (2/(n·nOut))·X̃ᵀX̃ with X̃ = [X 1],
     * the same block for every output: each eigenvalue of (2/(n·nOut))·X̃ᵀX̃ nOut times.
     */
    private static double[] exactLinearEigenvalues(int nOut) {
        double[][] xt = new double[N][N_IN + 1];
        for (int i = 0; i < N; i++) {
            System.arraycopy(X[i], 0, xt[i], 0, N_IN);
            xt[i][N_IN] = 1;
        }
        RealMatrix a = new Array2DRowRealMatrix(xt);
        RealMatrix h = a.transpose().multiply(a).scalarMultiply(2.0 / (N * nOut));
        double[] ev = new EigenDecomposition(h).getRealEigenvalues();
        double[] all = new double[ev.length * nOut];
        for (int i = 0; i < all.length; i++) {
            all[i] = ev[i / nOut];
        }
        Arrays.sort(all);
        double[] desc = new double[all.length];
        for (int i = 0; i < all.length; i++) {
            desc[i] = all[all.length - 1 - i];
        }
        return desc;
    }

    /** L(θ) of the linear model written out: DL4J's W is [nIn, nOut] in 'f' order, then b. */
    private static double linearLoss(double[] theta, double[][] y, int nOut) {
        double sum = 0;
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < nOut; o++) {
                double p = theta[N_IN * nOut + o];
                for (int j = 0; j < N_IN; j++) {
                    p += theta[o * N_IN + j] * X[i][j];
                }
                sum += (p - y[i][o]) * (p - y[i][o]);
            }
        }
        return sum / (N * nOut);
    }

    @Test
    void linearRegressionHessianIsExact() {
        for (int nOut : new int[] {1, 2}) {
            double[][] y = Fixtures.gaussian(N, nOut, 2);
            double[] exact = exactLinearEigenvalues(nOut);
            for (Model net : List.<Model>of(Fixtures.linear(N_IN, nOut, 3), Fixtures.linearGraph(N_IN, nOut, 3))) {
                double[] before = Fixtures.bits(net);
                double[] all = LossLandscape.defaults().hessianEigenvalues(net, Fixtures.iterator(X, y, 4), exact.length);
                assertArrayEquals(exact, all, 1e-8 * exact[0], "nOut " + nOut + " " + net.getClass().getSimpleName());
                if (nOut == 2 && net instanceof MultiLayerNetwork) {
                    double[] top = LossLandscape.defaults().hessianEigenvalues(net, Fixtures.iterator(X, y, 3), 3);
                    assertArrayEquals(Arrays.copyOf(exact, 3), top, 1e-8 * exact[0]);
                }
                assertArrayEquals(before, Fixtures.bits(net), 0.0);
            }
        }
    }

    @Test
    void sharpnessAndSurfaceOfLinearRegressionAreTheWrittenOutLoss() {
        int nOut = 2;
        double[][] y = Fixtures.gaussian(N, nOut, 4);
        MultiLayerNetwork net = Fixtures.linear(N_IN, nOut, 5);
        double[] theta = Fixtures.bits(net);
        double[] d1 = Fixtures.gaussian(1, theta.length, 6)[0];
        double[] d2 = Fixtures.gaussian(1, theta.length, 7)[0];
        double n1 = Math.sqrt(Arrays.stream(d1).map(v -> v * v).sum());
        double[] radii = {-1, -0.25, 0, 0.5, 2};
        LossLandscape ll = LossLandscape.defaults();
        double[] s = ll.sharpness(net, Fixtures.iterator(X, y, 4), Fixtures.row(d1), radii);
        double base = linearLoss(theta, y, nOut);
        assertEquals(base, ll.loss(net, Fixtures.iterator(X, y, 4)), 1e-13);
        for (int k = 0; k < radii.length; k++) {
            double[] t = theta.clone();
            for (int i = 0; i < t.length; i++) {
                t[i] += radii[k] * d1[i] / n1;
            }
            assertEquals(linearLoss(t, y, nOut) - base, s[k], 1e-12, "r = " + radii[k]);
        }
        double[] a = {-0.5, 0, 1};
        double[] b = {-1, 0.3};
        double[][] surface = ll.landscape2d(net, Fixtures.iterator(X, y, 3), Fixtures.row(d1), Fixtures.row(d2), a, b);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                double[] t = theta.clone();
                for (int p = 0; p < t.length; p++) {
                    t[p] += a[i] * d1[p] + b[j] * d2[p];
                }
                assertEquals(linearLoss(t, y, nOut), surface[i][j], 1e-12);
            }
        }
        assertArrayEquals(theta, Fixtures.bits(net), 0.0);
    }

    @Test
    void everySampleCountsOnceIncludingTheLastPartialBatch() {
        double[][] y = Fixtures.gaussian(N, 1, 8);
        MultiLayerNetwork net = Fixtures.linear(N_IN, 1, 9);
        Fixtures.Counting it = new Fixtures.Counting(Fixtures.iterator(X, y, 4));
        double loss = LossLandscape.defaults().loss(net, it);
        assertEquals(linearLoss(Fixtures.bits(net), y, 1), loss, 1e-13);
        assertEquals(List.of((long) N), it.passes);
        it.passes.clear();
        LossLandscape.defaults().withLanczosSteps(3).hessianEigenvalues(net, it, 1);
        assertTrue(it.passes.size() > 6, "passes " + it.passes);
        assertEquals(Collections.nCopies(it.passes.size(), (long) N), it.passes);
    }

    @Test
    void lossUsesBatchNormRunningStatisticsAndNoRegularization() {
        MultiLayerNetwork net = Fixtures.withBatchNorm(SgdMomentum.builder().learningRate(0.2).momentum(0.9).build(), 1);
        double[][] x = Fixtures.gaussian(N, 4, 10);
        double[][] y = Fixtures.oneHot(N, 3, 11);
        for (int i = 0; i < 5; i++) {
            net.fit(new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y)));
        }
        INDArray out = net.output(Nd4j.createFromArray(x), false);
        double expected = 0;
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < 3; c++) {
                expected -= y[i][c] * Math.log(out.getDouble(i, c));
            }
        }
        expected /= N;
        LossLandscape ll = LossLandscape.defaults();
        assertEquals(expected, ll.loss(net, Fixtures.iterator(x, y, 3)), 1e-12);
        assertEquals(expected, ll.loss(net, Fixtures.iterator(x, y, N)), 1e-12);
    }

    @Test
    void gradientIsTheMeanDataLossGradient() {
        double[][] y = Fixtures.gaussian(N, 2, 12);
        MultiLayerNetwork net = Fixtures.linear(N_IN, 2, 13);
        double[] theta = Fixtures.bits(net);
        double[] g = LossLandscape.defaults().gradientDirection(net, Fixtures.iterator(X, y, 4)).toDoubleVector();
        for (int p = 0; p < theta.length; p++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[p] += 1e-6;
            minus[p] -= 1e-6;
            // the loss is quadratic: central differences are exact up to rounding
            assertEquals((linearLoss(plus, y, 2) - linearLoss(minus, y, 2)) / 2e-6, g[p], 1e-8, "parameter " + p);
        }
    }

    @Test
    void momentumIsTheOptimizerStateInParamsOrder() {
        double[][] x = Fixtures.gaussian(N, 4, 14);
        double[][] y = Fixtures.oneHot(N, 3, 15);
        DataSet batch = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        SgdMomentum sgd = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
        AdamW adamw = AdamW.builder().learningRate(1e-3).beta1(0.8).weightDecay(0).build();
        Msam msam = Msam.builder().base(sgd).rho(0.5).build();
        Object[][] cases = {{sgd, 1.0}, {adamw, 0.2}, {msam, 1.0}};
        for (Object[] c : cases) {
            for (boolean graph : new boolean[] {false, true}) {
                org.nd4j.linalg.learning.config.IUpdater u = (org.nd4j.linalg.learning.config.IUpdater) c[0];
                Model net = graph ? Fixtures.graphWithBatchNorm(u, 16) : Fixtures.withBatchNorm(u, 16);
                if (u instanceof Msam) {
                    if (graph) {
                        SharpnessAware.install((ComputationGraph) net);
                    } else {
                        SharpnessAware.install((MultiLayerNetwork) net);
                    }
                }
                // first step from zero state: v = g (SgdMomentum, also under Msam), m = (1 − β1)·g (AdamW)
                INDArray g = LossLandscape.defaults().gradientDirection(net, new ListDataSetIterator<>(batch.asList(), N));
                if (graph) {
                    ((ComputationGraph) net).fit(batch);
                } else {
                    ((MultiLayerNetwork) net).fit(batch);
                }
                double[] before = Fixtures.bits(net);
                INDArray m = LossLandscape.defaults().momentumDirection(net);
                assertArrayEquals(before, Fixtures.bits(net), 0.0);
                String what = u.getClass().getSimpleName() + (graph ? " graph" : "");
                assertArrayEquals(g.mul((double) c[1]).toDoubleVector(), m.toDoubleVector(), 1e-12, what);
                assertTrue(m.norm2Number().doubleValue() > 0, what);
            }
        }
    }

    @Test
    void filterNormalizedDirectionScalesEachFilterToItsWeights() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(17).list()
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.RELU).build())
                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 2)).build());
        net.init();
        double[] before = Fixtures.bits(net);
        LossLandscape ll = LossLandscape.defaults();
        INDArray d = ll.filterNormalizedDirection(net, 5);
        assertArrayEquals(d.toDoubleVector(), ll.filterNormalizedDirection(net, 5).toDoubleVector(), 0.0);
        assertNotEquals(Arrays.toString(d.toDoubleVector()),
                Arrays.toString(ll.filterNormalizedDirection(net, 6).toDoubleVector()));
        MultiLayerNetwork view = net.clone();
        view.setParams(d);
        // convolution W [out, in, kH, kW]: one filter per output channel
        INDArray cw = view.getLayer(0).getParam("W");
        INDArray tw = net.getLayer(0).getParam("W");
        for (int f = 0; f < 3; f++) {
            assertEquals(tw.slice(f).norm2Number().doubleValue(), cw.slice(f).norm2Number().doubleValue(), 1e-12);
        }
        // dense and output W [nIn, nOut]: one filter per column
        for (int layer : new int[] {2, 3}) {
            INDArray dw = view.getLayer(layer).getParam("W");
            INDArray w = net.getLayer(layer).getParam("W");
            assertArrayEquals(w.norm2(0).toDoubleVector(), dw.norm2(0).toDoubleVector(), 1e-12);
            assertEquals(0, view.getLayer(layer).getParam("b").norm2Number().doubleValue(), 0.0);
        }
        assertEquals(0, view.getLayer(0).getParam("b").norm2Number().doubleValue(), 0.0);
        for (String p : view.getLayer(1).paramTable().keySet()) {
            assertEquals(0, view.getLayer(1).getParam(p).norm2Number().doubleValue(), 0.0, "BatchNorm " + p);
        }
        assertArrayEquals(before, Fixtures.bits(net), 0.0);
    }

    @Test
    void featureRankCountsSingularValues() {
        // features F = U·diag(4, 3, 2, 1)·Vᵀ, passed through an identity dense layer (W = I, b = 0)
        double[] sv = {4, 3, 2, 1};
        RealMatrix u = new QRDecomposition(new Array2DRowRealMatrix(Fixtures.gaussian(N, 4, 18))).getQ()
                .getSubMatrix(0, N - 1, 0, 3);
        RealMatrix v = new QRDecomposition(new Array2DRowRealMatrix(Fixtures.gaussian(4, 4, 19))).getQ();
        RealMatrix s = new Array2DRowRealMatrix(4, 4);
        for (int i = 0; i < 4; i++) {
            s.setEntry(i, i, sv[i]);
        }
        double[][] f = u.multiply(s).multiply(v.transpose()).getData();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list()
                .layer(new DenseLayer.Builder().name("features").nIn(4).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        net.getLayer(0).setParam("W", Nd4j.eye(4).castTo(DataType.DOUBLE));
        net.getLayer(0).setParam("b", Nd4j.zeros(DataType.DOUBLE, 1, 4));
        DataSetIterator it = Fixtures.iterator(f, Fixtures.oneHot(N, 2, 20), 4);
        LossLandscape ll = LossLandscape.defaults();
        // cumulative shares 0.4, 0.7, 0.9, 1.0
        double[][] expect = {{0.39, 1}, {0.41, 2}, {0.69, 2}, {0.71, 3}, {0.89, 3}, {0.91, 4}, {1.0, 4}};
        double[] before = Fixtures.bits(net);
        for (double[] e : expect) {
            assertEquals((int) e[1], ll.featureRank(net, it, "features", e[0]), "fraction " + e[0]);
        }
        assertArrayEquals(before, Fixtures.bits(net), 0.0);
        ComputationGraph graph = Fixtures.linearGraph(N_IN, 3, 21);
        assertEquals(3, ll.featureRank(graph, Fixtures.iterator(X, Fixtures.gaussian(N, 3, 22), 4), "out", 1.0));
        assertEquals(N_IN, ll.featureRank(graph, Fixtures.iterator(X, Fixtures.gaussian(N, 3, 22), 4), "in", 1.0));
    }

    @Test
    void badArgumentsAreRefusedWithTheirFix() {
        double[][] y = Fixtures.gaussian(N, 1, 23);
        MultiLayerNetwork net = Fixtures.linear(N_IN, 1, 24);
        LossLandscape ll = LossLandscape.defaults();
        assertMessage("Invalid k: 0", () -> ll.hessianEigenvalues(net, Fixtures.iterator(X, y, 4), 0));
        assertMessage("k = 7 exceeds the 6 trainable parameters",
                () -> ll.hessianEigenvalues(net, Fixtures.iterator(X, y, 4), 7));
        DataSetIterator empty = new ListDataSetIterator<>(Collections.<DataSet>emptyList(), 4);
        assertMessage("yielded no samples", () -> ll.hessianEigenvalues(net, empty, 1));
        assertMessage("yielded no samples", () -> ll.loss(net, empty));
        assertMessage("has 5 entries but the model has 6 parameters",
                () -> ll.sharpness(net, Fixtures.iterator(X, y, 4), Nd4j.ones(DataType.DOUBLE, 5), 1.0));
        assertMessage("direction is zero",
                () -> ll.sharpness(net, Fixtures.iterator(X, y, 4), Nd4j.zeros(DataType.DOUBLE, 6), 1.0));
        MultiLayerNetwork bn = Fixtures.withBatchNorm(SgdMomentum.builder().learningRate(0.1).build(), 25);
        INDArray onlyStatistics = Nd4j.zeros(DataType.DOUBLE, bn.numParams());
        // the dense layer has 4·5 + 5 parameters, BatchNorm gamma and beta 5 each, then its mean and variance
        onlyStatistics.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(35, 45)).assign(1);
        assertMessage("direction is zero outside the BatchNorm statistics", () -> ll.sharpness(bn,
                Fixtures.iterator(Fixtures.gaussian(N, 4, 1), Fixtures.oneHot(N, 3, 2), 4), onlyStatistics, 1.0));
        assertMessage("Unknown layer 'nope'; the model's layers are [layer0]",
                () -> ll.featureRank(net, Fixtures.iterator(X, y, 4), "nope", 0.99));
        for (double fraction : new double[] {0, -0.1, 1.01, Double.NaN}) {
            assertMessage("Invalid fraction: " + fraction,
                    () -> ll.featureRank(net, Fixtures.iterator(X, y, 4), "layer0", fraction));
        }
        assertMessage("has no optimizer state", () -> ll.momentumDirection(Fixtures.linear(N_IN, 1, 26)));
        assertMessage("Invalid Lanczos steps: 0", () -> ll.withLanczosSteps(0));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        Exception e = assertThrows(RuntimeException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
