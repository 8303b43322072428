package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Parameter counts and structure. The forward pass at 224×224 is too slow for the default suite on a 2-core
 * machine; it runs with {@code -Dmsam.slowTests=true}.
 */
class ResNetImageNetTest {

    /** Trainable counts are torchvision's published numbers (resnet18 ... resnet152). */
    @ParameterizedTest(name = "ResNet-{0}")
    @CsvSource({
        "50, 25557032, 25610152",
        "101, 44549160, 44654504",
        "18, 11689512, 11699112",
        "34, 21797672, 21814696",
        "152, 60192808, 60344232",
    })
    void parameterCountsEqualThePublishedOnes(int depth, long trainable, long total) {
        ComputationGraphConfiguration conf = ResNetImageNet.builder(depth).updater(new Sgd(0.1)).conf();
        GraphChecks.assertCounts(conf, ParamFormulas.resNet(depth, 1000, 3, true), trainable, total);
    }

    @ParameterizedTest(name = "ResNet-{0}")
    @CsvSource({"50", "101"})
    void initialisedNetworkHasTheSameCounts(int depth) {
        ResNetImageNet builder = ResNetImageNet.builder(depth).updater(new Sgd(0.1));
        ComputationGraph net = builder.init();
        assertEquals(ParameterCount.of(builder.conf()), ParameterCount.of(net));
        assertEquals(net.numParams(), ParameterCount.of(net).total());
    }

    @ParameterizedTest(name = "ResNet-{0}: {1} BN layers, {2} blocks")
    @CsvSource({"50, 53, 16", "101, 104, 33"})
    void everyConvolutionIsFollowedByBatchNormalization(int depth, int bnLayers, int blocks) {
        ComputationGraphConfiguration conf = ResNetImageNet.builder(depth).updater(new Sgd(0.1)).conf();
        ResNetCifarTest.assertPostActivationStructure(conf, bnLayers, blocks, 4);
    }

    @Test
    void stemDownsamplesByFourAndTheLastStageIsSevenBySeven() {
        ComputationGraphConfiguration conf = ResNetImageNet.resnet50().updater(new Sgd(0.1)).conf();
        ConvolutionLayer stem = (ConvolutionLayer) GraphChecks.layer(conf, "conv1");
        assertEquals(7, stem.getKernelSize()[0]);
        assertEquals(2, stem.getStride()[0]);
        SubsamplingLayer pool = (SubsamplingLayer) GraphChecks.layer(conf, "maxpool");
        assertEquals(3, pool.getKernelSize()[0]);
        assertEquals(2, pool.getStride()[0]);
        Map<String, InputType> types =
                conf.getLayerActivationTypes(false, false, InputType.convolutional(224, 224, 3));
        assertEquals(InputType.convolutional(112, 112, 64), types.get("relu1"));
        assertEquals(InputType.convolutional(56, 56, 64), types.get("maxpool"));
        assertEquals(InputType.convolutional(7, 7, 2048), types.get("layer4_2_relu"));
        assertEquals(InputType.feedForward(2048), types.get("avgpool"));
    }

    @ParameterizedTest(name = "ResNet-{0}")
    @CsvSource({"50", "101"})
    @EnabledIfSystemProperty(named = "msam.slowTests", matches = "true")
    void forwardPassOnTwoImagesAt224(int depth) {
        ComputationGraph net = ResNetImageNet.builder(depth).updater(new Sgd(0.1)).init();
        GraphChecks.assertForward(net, 3, 224, 224, 1000);
    }
}
