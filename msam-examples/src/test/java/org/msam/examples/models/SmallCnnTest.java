package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
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

class SmallCnnTest {

    @ParameterizedTest(name = "{0} conv(s) per stage, {1}x{2}x{3}, {4} classes")
    @CsvSource({
        "1, 1, 28, 28, 10, 421738, 421930",
        "1, 3, 32, 32, 10, 545194, 545386",
        "1, 3, 32, 32, 100, 556804, 556996",
        "2, 1, 28, 28, 10, 468010, 468394",
        "2, 3, 32, 32, 10, 591466, 591850",
        "2, 3, 32, 32, 100, 603076, 603460",
    })
    void parameterCountsAndForwardPass(int convs, int c, int h, int w, int classes, long trainable, long total) {
        SmallCnn builder =
                SmallCnn.builder().convsPerStage(convs).inputShape(c, h, w).numClasses(classes).updater(new Sgd(0.1));
        GraphChecks.assertCounts(builder.conf(), ParamFormulas.smallCnn(convs, c, h, w, classes), trainable, total);
        ComputationGraph net = builder.init();
        assertEquals(total, net.numParams());
        assertEquals(ParameterCount.of(builder.conf()), ParameterCount.of(net));
        GraphChecks.assertForward(net, c, h, w, classes);
    }

    @ParameterizedTest(name = "{0} conv(s) per stage")
    @CsvSource({"1", "2"})
    void oneFitStepOnRandomDataChangesTheParameters(int convs) {
        ComputationGraph net = SmallCnn.builder().convsPerStage(convs).updater(new Sgd(0.1)).init();
        INDArray before = net.params().dup();
        net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 64, 1, 28, 28), GraphChecks.oneHot(64, 10, 7)));
        assertTrue(Double.isFinite(net.score()));
        assertFalse(before.equals(net.params()));
        // BN running statistics moved too (they are DL4J parameters)
        assertTrue(net.getLayer("bn1_1").getParam("mean").norm2Number().doubleValue() > 0);
    }

    @Test
    void oneBatchNormalizationLayerAfterEachConvolution() {
        assertEquals(List.of("bn1_1", "bn2_1"),
                GraphChecks.named(SmallCnn.builder().convsPerStage(1).updater(new Sgd(0.1)).conf(),
                        BatchNormalization.class));
        ComputationGraphConfiguration conf = SmallCnn.builder().convsPerStage(2).updater(new Sgd(0.1)).conf();
        List<String> bns = GraphChecks.named(conf, BatchNormalization.class);
        assertEquals(List.of("bn1_1", "bn1_2", "bn2_1", "bn2_2"), bns);
        for (String bn : bns) {
            String conv = GraphChecks.inputs(conf, bn).get(0);
            assertTrue(GraphChecks.isA(conf, conv, ConvolutionLayer.class), bn + " <- " + conv);
            assertFalse(((ConvolutionLayer) GraphChecks.layer(conf, conv)).hasBias());
        }
        assertEquals(0.5, ((Dropout) GraphChecks.layer(conf, ModelBuilder.OUTPUT).getIDropout()).getP(), 0);
        assertNull(GraphChecks.layer(SmallCnn.builder().dropRate(0).updater(new Sgd(0.1)).conf(),
                ModelBuilder.OUTPUT).getIDropout());
    }

    @Test
    void rejectsInvalidOptions() {
        assertEquals("Invalid convolutions per stage: 0 (must be at least 1)",
                assertThrows(IllegalArgumentException.class, () -> SmallCnn.builder().convsPerStage(0)).getMessage());
        assertEquals("Invalid drop rate: -0.1 (must be in [0, 1))",
                assertThrows(IllegalArgumentException.class, () -> SmallCnn.builder().dropRate(-0.1)).getMessage());
    }
}
