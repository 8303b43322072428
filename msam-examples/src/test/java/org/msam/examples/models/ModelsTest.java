package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class ModelsTest {

    static List<String> names() {
        return Models.names();
    }

    @Test
    void registersTheNamedModelsInOrder() {
        assertEquals(List.of("wrn-16-4", "wrn-28-10", "wrn-16-1", "wrn-16-8", "resnet18", "resnet50",
                "resnet50-imagenet", "resnet101-imagenet", "small-cnn", "mlp", "vit-s-32", "vit-s-16", "vit-b-32",
                "vit-b-16", "vit-tiny-cifar"), Models.names());
        assertTrue(Models.builder("wrn-28-10") instanceof WideResNet);
        assertEquals(28, ((WideResNet) Models.builder("WRN-28-10")).depth());
        assertEquals(101, ((ResNetImageNet) Models.builder("resnet101-imagenet")).depth());
        assertEquals(1000, Models.builder("resnet50-imagenet").numClasses());
        assertEquals(224, Models.builder("resnet50-imagenet").height());
        assertEquals(1, Models.builder("small-cnn").channels());
        assertNotSame(Models.builder("resnet18"), Models.builder("resnet18"));
    }

    @Test
    void unknownNameListsTheValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.builder("wrn-40-4"));
        assertEquals("Unknown model 'wrn-40-4'; valid names: wrn-16-4, wrn-28-10, wrn-16-1, wrn-16-8, resnet18, "
                + "resnet50, resnet50-imagenet, resnet101-imagenet, small-cnn, mlp, vit-s-32, vit-s-16, vit-b-32, "
                + "vit-b-16, vit-tiny-cifar", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Models.builder(null));
    }

    @ParameterizedTest
    @MethodSource("names")
    void configurationRoundTripsThroughJson(String name) {
        ComputationGraphConfiguration conf = Models.builder(name).updater(new Nesterovs(0.1, 0.9)).l2(5e-4).conf();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertEquals(conf.toJson(), ComputationGraphConfiguration.fromJson(conf.toJson()).toJson());
    }

    @ParameterizedTest
    @MethodSource("names")
    void outputIsSoftmaxWithMulticlassCrossEntropy(String name) {
        ComputationGraphConfiguration conf = Models.builder(name).numClasses(7).updater(new Sgd(0.1)).conf();
        assertEquals(List.of(ModelBuilder.OUTPUT), conf.getNetworkOutputs());
        assertEquals(List.of(ModelBuilder.INPUT), conf.getNetworkInputs());
        OutputLayer out = (OutputLayer) GraphChecks.layer(conf, ModelBuilder.OUTPUT);
        assertEquals(7, out.getNOut());
        assertTrue(out.getActivationFn() instanceof ActivationSoftmax);
        assertTrue(out.getLossFn() instanceof LossMCXENT);
        assertNull(((LossMCXENT) out.getLossFn()).getWeights());
    }

    @Test
    void l2AppliesToWeightsOnly() {
        ComputationGraphConfiguration conf = WideResNet.wrn16x1().updater(new Sgd(0.1)).l2(5e-4).conf();
        for (String name : conf.getVertices().keySet()) {
            Layer layer = GraphChecks.layer(conf, name);
            if (layer instanceof ConvolutionLayer || layer instanceof OutputLayer) {
                BaseLayer base = (BaseLayer) layer;
                assertEquals(List.of(new L2Regularization(5e-4)), base.getRegularization(), name);
                assertTrue(base.getRegularizationBias() == null || base.getRegularizationBias().isEmpty(), name);
            } else if (layer instanceof BatchNormalization) {
                assertNull(layer.getRegularizationByParam("gamma"), name);
                assertNull(layer.getRegularizationByParam("beta"), name);
            }
        }
        ComputationGraphConfiguration none = WideResNet.wrn16x1().updater(new Sgd(0.1)).conf();
        BaseLayer conv = (BaseLayer) GraphChecks.layer(none, "conv1");
        assertTrue(conv.getRegularization() == null || conv.getRegularization().isEmpty());
    }

    @Test
    void optionsReachTheConfiguration() {
        ComputationGraphConfiguration conf = SmallCnn.builder()
                .inputShape(3, 32, 32)
                .seed(42)
                .weightInit(WeightInit.XAVIER)
                .updater(new Sgd(0.05))
                .dataType(DataType.DOUBLE)
                .conf();
        assertEquals(DataType.DOUBLE, conf.getDataType());
        assertEquals(42, conf.getDefaultConfiguration().getSeed());
        BaseLayer conv = (BaseLayer) GraphChecks.layer(conf, "conv1_1");
        assertTrue(conv.getWeightInitFn() instanceof WeightInitXavier);
        assertEquals(new Sgd(0.05), conv.getIUpdater());
        assertEquals(3, ((ConvolutionLayer) conv).getNIn());

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals(DataType.DOUBLE, net.params().dataType());
        GraphChecks.assertForward(net, 3, 32, 32, 10);
    }

    @Test
    void sameSeedGivesTheSameInitialParameters() {
        ComputationGraph a = SmallCnn.builder().seed(3).updater(new Sgd(0.1)).init();
        ComputationGraph b = SmallCnn.builder().seed(3).updater(new Sgd(0.1)).init();
        ComputationGraph c = SmallCnn.builder().seed(4).updater(new Sgd(0.1)).init();
        assertEquals(a.params(), b.params());
        assertNotEquals(a.params(), c.params());
    }

    @Test
    void rejectsInvalidOptions() {
        SmallCnn b = SmallCnn.builder();
        IllegalStateException noUpdater = assertThrows(IllegalStateException.class, b::conf);
        assertEquals("No updater set: call updater(IUpdater) before building the model", noUpdater.getMessage());
        assertEquals("Invalid number of classes: 1 (must be at least 2)",
                assertThrows(IllegalArgumentException.class, () -> b.numClasses(1)).getMessage());
        assertEquals("Invalid input shape: 3x0x32 (channels, height and width must be positive)",
                assertThrows(IllegalArgumentException.class, () -> b.inputShape(3, 0, 32)).getMessage());
        assertEquals("Invalid L2 coefficient: -1.0E-4 (must be finite and >= 0)",
                assertThrows(IllegalArgumentException.class, () -> b.l2(-1e-4)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.l2(Double.NaN));
        assertEquals("Invalid data type: " + DataType.INT32 + " (must be a floating-point type)",
                assertThrows(IllegalArgumentException.class, () -> b.dataType(DataType.INT32)).getMessage());
        assertThrows(NullPointerException.class, () -> b.updater(null));
    }
}
