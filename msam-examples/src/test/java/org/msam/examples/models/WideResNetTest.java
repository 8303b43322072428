package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class WideResNetTest {

    @ParameterizedTest(name = "WRN-{0}-{1}, {2} classes")
    @CsvSource({
        "16, 1, 100, 180916, 181844",
        "16, 4, 100, 2772020, 2775636",
        "16, 8, 100, 11007540, 11014740",
        "28, 10, 100, 36536884, 36554836",
        "16, 4, 10, 2748890, 2752506",
        "28, 10, 10, 36479194, 36497146",
    })
    void parameterCounts(int depth, int k, int classes, long trainable, long total) {
        ComputationGraphConfiguration conf =
                WideResNet.builder(depth, k).numClasses(classes).updater(new Sgd(0.1)).conf();
        GraphChecks.assertCounts(conf, ParamFormulas.wideResNet(depth, k, classes, 3), trainable, total);
    }

    @ParameterizedTest(name = "WRN-{0}-{1}")
    @CsvSource({"16, 1", "16, 4", "16, 8", "28, 10"})
    void forwardPassOnTwoImages(int depth, int k) {
        WideResNet builder = WideResNet.builder(depth, k).updater(new Sgd(0.1));
        ComputationGraph net = builder.init();
        assertEquals(ParameterCount.of(builder.conf()), ParameterCount.of(net));
        assertEquals(net.numParams(), ParameterCount.of(net).total());
        GraphChecks.assertForward(net, 3, 32, 32, 100);
    }

    @Test
    void oneFitStepOnRandomDataChangesTheParameters() {
        ComputationGraph net = WideResNet.wrn16x1().numClasses(10).updater(new Sgd(0.1)).init();
        INDArray before = net.params().dup();
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32),
                GraphChecks.oneHot(2, 10, 1));
        net.fit(batch);
        assertTrue(Double.isFinite(net.score()));
        assertFalse(before.equals(net.params()));
        assertEquals(1, net.getIterationCount());
    }

    @ParameterizedTest(name = "WRN-{0}-{1}")
    @CsvSource({"16, 1", "16, 4", "28, 10"})
    void batchNormalizationPrecedesEveryConvolutionOfEachBlock(int depth, int k) {
        ComputationGraphConfiguration conf = WideResNet.builder(depth, k).updater(new Sgd(0.1)).conf();
        int n = (depth - 4) / 6;
        // two per block and one before the head
        List<String> bns = GraphChecks.named(conf, BatchNormalization.class);
        assertEquals(6 * n + 1, bns.size());
        // stem, two per block, and a 1x1 shortcut where the width or stride changes (group 1 only if k > 1)
        List<String> convs = GraphChecks.named(conf, ConvolutionLayer.class);
        int shortcuts = k > 1 ? 3 : 2;
        assertEquals(1 + 6 * n + shortcuts, convs.size());
        assertEquals(shortcuts, convs.stream().filter(c -> c.endsWith("_shortcut")).count());
        assertEquals(3 * n, GraphChecks.named(conf, ElementWiseVertex.class).size());

        for (String conv : convs) {
            assertFalse(((ConvolutionLayer) GraphChecks.layer(conf, conv)).hasBias(), conv);
            // pre-activation: a convolution's output goes into a BN (stem, first conv of a block) or an addition
            for (String next : GraphChecks.consumers(conf, conv)) {
                assertTrue(GraphChecks.isA(conf, next, BatchNormalization.class)
                        || GraphChecks.isA(conf, next, ElementWiseVertex.class), conv + " -> " + next);
            }
        }
        for (String bn : bns) {
            String in = GraphChecks.inputs(conf, bn).get(0);
            assertTrue(GraphChecks.isA(conf, in, ConvolutionLayer.class)
                    || GraphChecks.isA(conf, in, ElementWiseVertex.class), bn + " <- " + in);
            List<String> next = GraphChecks.consumers(conf, bn);
            assertEquals(1, next.size());
            assertTrue(GraphChecks.isA(conf, next.get(0), ActivationLayer.class), bn + " -> " + next);
        }
        // each convolution of a block reads a BN-ReLU output
        for (String conv : convs) {
            if (!conv.equals("conv1")) {
                String in = GraphChecks.inputs(conf, conv).get(0);
                String bn = GraphChecks.inputs(conf, in).get(0);
                assertTrue(GraphChecks.isA(conf, bn, BatchNormalization.class), conv + " <- " + in + " <- " + bn);
            }
        }
        assertEquals("bn_final", GraphChecks.inputs(conf, "relu_final").get(0));
    }

    @Test
    void dropoutSitsOnTheInputOfTheSecondConvolutionOfEachBlock() {
        ComputationGraphConfiguration conf = WideResNet.wrn16x4().dropRate(0.3).updater(new Sgd(0.1)).conf();
        for (String conv : GraphChecks.named(conf, ConvolutionLayer.class)) {
            if (conv.endsWith("_conv2")) {
                Dropout d = (Dropout) GraphChecks.layer(conf, conv).getIDropout();
                assertEquals(0.7, d.getP(), 1e-12); // DL4J's retain probability
            } else {
                assertNull(GraphChecks.layer(conf, conv).getIDropout(), conv);
            }
        }
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertNull(GraphChecks.layer(WideResNet.wrn16x4().updater(new Sgd(0.1)).conf(), "group1_0_conv2")
                .getIDropout());
    }

    @Test
    void rejectsInvalidArchitectures() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WideResNet.builder(15, 4));
        assertEquals("Invalid WRN depth: 15 (depth - 4 must be a positive multiple of 6)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WideResNet.builder(4, 4));
        e = assertThrows(IllegalArgumentException.class, () -> WideResNet.builder(16, 0));
        assertEquals("Invalid WRN widen factor: 0 (must be at least 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WideResNet.wrn16x4().dropRate(1.0));
        assertEquals("Invalid drop rate: 1.0 (must be in [0, 1))", e.getMessage());
    }
}
