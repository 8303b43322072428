package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class MlpTest {

    @ParameterizedTest(name = "{0}x{1}x{2}, {3} classes")
    @CsvSource({
        "3, 32, 32, 10, 1707274",
        "1, 28, 28, 10, 535818",
        "3, 32, 32, 100, 1730404",
    })
    void parameterCountsAndForwardPass(int c, int h, int w, int classes, long params) {
        long in = (long) c * h * w;
        assertEquals((in + 1) * 512 + 513 * 256 + 257L * classes, params);
        ComputationGraph net = Mlp.builder().inputShape(c, h, w).numClasses(classes).updater(new Sgd(0.1)).init();
        assertEquals(params, net.numParams());
        assertEquals(params, ParameterCount.of(net).trainable());
        GraphChecks.assertForward(net, c, h, w, classes);
    }

    @Test
    void flattensInNchwOrderAndTrains() {
        ComputationGraph net = Mlp.builder().hidden(4).updater(new Sgd(0.1)).dataType(DataType.DOUBLE).init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 32, 32);
        INDArray w = net.getParam("fc1_W");
        INDArray b = net.getParam("fc1_b");
        INDArray hidden = org.nd4j.linalg.ops.transforms.Transforms.relu(x.reshape('c', 2, 3 * 32 * 32).mmul(w)
                .addRowVector(b), true);
        INDArray logits = hidden.mmul(net.getParam("output_W")).addRowVector(net.getParam("output_b"));
        INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, true);
        assertTrue(expected.equalsWithEps(net.outputSingle(x), 1e-12));
        INDArray before = net.params().dup();
        net.fit(new DataSet(x, GraphChecks.oneHot(2, 10, 3)));
        assertFalse(before.equals(net.params()));
    }

    @Test
    void hiddenWidthsAndValidation() {
        assertArrayEquals(new long[] {512, 256}, Mlp.builder().hidden());
        assertEquals(3 * 32 * 32 * 10 + 10, Mlp.builder().hidden(new long[0]).updater(new Sgd(0.1)).init().numParams());
        assertEquals("Invalid hidden widths: [512, 0] (each must be at least 1)",
                assertThrows(IllegalArgumentException.class, () -> Mlp.builder().hidden(512, 0)).getMessage());
        assertEquals("Invalid drop rate: 1.0 (must be in [0, 1))",
                assertThrows(IllegalArgumentException.class, () -> Mlp.builder().dropRate(1)).getMessage());
    }
}
