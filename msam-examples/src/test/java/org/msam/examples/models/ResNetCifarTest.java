package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.learning.config.Sgd;

class ResNetCifarTest {

    @ParameterizedTest(name = "ResNet-{0}, {1} classes")
    @CsvSource({
        "18, 100, 11220132, 11229732",
        "50, 100, 23705252, 23758372",
        "18, 10, 11173962, 11183562",
        "50, 10, 23520842, 23573962",
        "34, 100, 21328292, 21345316",
        "101, 100, 42697380, 42802724",
        "152, 100, 58341028, 58492452",
    })
    void parameterCounts(int depth, int classes, long trainable, long total) {
        ComputationGraphConfiguration conf =
                ResNetCifar.builder(depth).numClasses(classes).updater(new Sgd(0.1)).conf();
        GraphChecks.assertCounts(conf, ParamFormulas.resNet(depth, classes, 3, false), trainable, total);
    }

    @ParameterizedTest(name = "ResNet-{0}")
    @CsvSource({"18", "50"})
    void forwardPassOnTwoImages(int depth) {
        ResNetCifar builder = ResNetCifar.builder(depth).updater(new Sgd(0.1));
        ComputationGraph net = builder.init();
        assertEquals(ParameterCount.of(builder.conf()), ParameterCount.of(net));
        assertEquals(net.numParams(), ParameterCount.of(net).total());
        GraphChecks.assertForward(net, 3, 32, 32, 100);
    }

    @ParameterizedTest(name = "ResNet-{0}: {1} BN layers, {2} blocks, {3} projection shortcuts")
    @CsvSource({"18, 20, 8, 3", "34, 36, 16, 3", "50, 53, 16, 4", "101, 104, 33, 4"})
    void everyConvolutionIsFollowedByBatchNormalization(int depth, int bnLayers, int blocks, int projections) {
        ComputationGraphConfiguration conf = ResNetCifar.builder(depth).updater(new Sgd(0.1)).conf();
        assertPostActivationStructure(conf, bnLayers, blocks, projections);
        // CIFAR stem: 3x3 stride 1, no max pooling
        ConvolutionLayer stem = (ConvolutionLayer) GraphChecks.layer(conf, "conv1");
        assertEquals(3, stem.getKernelSize()[0]);
        assertEquals(1, stem.getStride()[0]);
        assertTrue(GraphChecks.named(conf, SubsamplingLayer.class).isEmpty());
    }

    /**
     * Post-activation (He et al. 2016): every convolution, biasless, feeds exactly one BN; every addition feeds
     * one ReLU; stem BN + one BN per convolution of each block + one per projection shortcut (the first block of
     * each stage, except stage 1 of basic-block networks whose shape does not change).
     */
    static void assertPostActivationStructure(ComputationGraphConfiguration conf, int bnLayers, int blocks,
            int projections) {
        List<String> convs = GraphChecks.named(conf, ConvolutionLayer.class);
        List<String> bns = GraphChecks.named(conf, BatchNormalization.class);
        assertEquals(bnLayers, bns.size());
        assertEquals(bnLayers, convs.size());
        assertEquals(projections, convs.stream().filter(c -> c.endsWith("_downsample_conv")).count());
        for (String conv : convs) {
            assertFalse(((ConvolutionLayer) GraphChecks.layer(conf, conv)).hasBias(), conv);
            List<String> next = GraphChecks.consumers(conf, conv);
            assertEquals(1, next.size(), conv);
            assertTrue(GraphChecks.isA(conf, next.get(0), BatchNormalization.class), conv + " -> " + next);
        }
        List<String> adds = GraphChecks.named(conf, ElementWiseVertex.class);
        assertEquals(blocks, adds.size());
        for (String add : adds) {
            List<String> next = GraphChecks.consumers(conf, add);
            assertEquals(1, next.size());
            assertTrue(GraphChecks.isA(conf, next.get(0), ActivationLayer.class), add + " -> " + next);
        }
    }

    @Test
    void rejectsUnknownDepth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNetCifar.builder(20));
        assertEquals("Invalid ResNet depth: 20 (valid: 18, 34, 50, 101, 152)", e.getMessage());
    }
}
