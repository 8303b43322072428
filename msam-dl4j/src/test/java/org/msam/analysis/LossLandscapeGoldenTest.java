package org.msam.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msam.config.SgdMomentum;
import org.msam.reference.Golden;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The tiny MLP of golden/landscape/mlp_landscape.json (PyTorch 1.13, float64, exact Hessian from
 * torch.autograd.functional.hessian; msam-dl4j/src/test/python/make_landscape_golden.py) measured in DL4J. The DL4J
 * model carries l2 and dropout, which PyTorch's loss does not have: they must not show in any measurement. The
 * samples come in batches of 4, 4 and 2.
 */
class LossLandscapeGoldenTest {
    private static JsonNode g;
    private static double[][] x;
    private static double[][] y;

    @BeforeAll
    static void load() {
        g = Golden.load("/golden/landscape/mlp_landscape.json");
        int n = g.get("features").size();
        int classes = g.get("num_classes").asInt();
        x = new double[n][];
        y = new double[n][classes];
        for (int i = 0; i < n; i++) {
            x[i] = Golden.array(g.get("features").get(i));
            y[i][g.get("labels").get(i).asInt()] = 1;
        }
    }

    private static MultiLayerNetwork net(DataType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).l2(0.5).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).dropOut(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        net.setParams(Fixtures.row(Golden.array(g.get("params"))));
        return type == DataType.DOUBLE ? net : net.convertDataType(type);
    }

    private static ListDataSetIterator<DataSet> data() {
        return Fixtures.iterator(x, y, 4);
    }

    @Test
    void lossAndGradientMatchPyTorch() {
        MultiLayerNetwork net = net(DataType.DOUBLE);
        double[] before = Fixtures.bits(net);
        LossLandscape ll = LossLandscape.defaults();
        assertEquals(g.get("loss").asDouble(), ll.loss(net, data()), 1e-14);
        double[] grad = ll.gradientDirection(net, data()).toDoubleVector();
        assertArrayEquals(Golden.array(g.get("gradient")), grad, 1e-14);
        assertArrayEquals(before, Fixtures.bits(net), 0.0);
    }

    @Test
    void topEigenvaluesMatchTheExactHessian() {
        MultiLayerNetwork net = net(DataType.DOUBLE);
        double[] before = Fixtures.bits(net);
        double[] exact = Golden.array(g.get("hessian_eigenvalues"));
        // 20 Lanczos steps for 31 parameters: the top eigenvalues converge before the Krylov space is complete
        double[] top = LossLandscape.defaults().withLanczosSteps(20).hessianEigenvalues(net, data(), 5);
        assertEquals(5, top.length);
        for (int i = 0; i < 5; i++) {
            assertEquals(exact[i], top[i], 1e-6 * Math.abs(exact[i]), "eigenvalue " + i);
        }
        assertArrayEquals(before, Fixtures.bits(net), 0.0);
    }

    @Test
    void allEigenvaluesWhenLanczosSpansEveryParameter() {
        MultiLayerNetwork net = net(DataType.DOUBLE);
        double[] exact = Golden.array(g.get("hessian_eigenvalues"));
        double[] all = LossLandscape.defaults().hessianEigenvalues(net, data(), exact.length);
        // the softmax makes several eigenvalues exactly 0: compare on the scale of the largest
        assertArrayEquals(exact, all, 1e-6 * exact[0]);
    }

    @Test
    void floatModelIsMeasuredAtItsFloatWeights() {
        MultiLayerNetwork net = net(DataType.FLOAT);
        double[] before = Fixtures.bits(net);
        double[] exact = Golden.array(g.get("hessian_eigenvalues"));
        double[] top = LossLandscape.defaults().withLanczosSteps(20).hessianEigenvalues(net, data(), 3);
        for (int i = 0; i < 3; i++) {
            // the float weights differ from the golden ones by ~1e-8 relative
            assertEquals(exact[i], top[i], 1e-5 * Math.abs(exact[i]), "eigenvalue " + i);
        }
        assertArrayEquals(before, Fixtures.bits(net), 0.0);
        assertEquals(DataType.FLOAT, net.params().dataType());
    }

    @Test
    void sharpnessMatchesPyTorch() {
        MultiLayerNetwork net = net(DataType.DOUBLE);
        double[] before = Fixtures.bits(net);
        INDArray d = Fixtures.row(Golden.array(g.get("direction")));
        double[] s = LossLandscape.defaults().sharpness(net, data(), d, Golden.array(g.get("radii")));
        assertArrayEquals(Golden.array(g.get("sharpness")), s, 1e-10);
        assertArrayEquals(before, Fixtures.bits(net), 0.0);
    }
}
