package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Structural and numerical checks shared by the model tests. */
final class GraphChecks {
    private GraphChecks() {
    }

    static Layer layer(ComputationGraphConfiguration conf, String name) {
        GraphVertex v = conf.getVertices().get(name);
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }

    static boolean isA(ComputationGraphConfiguration conf, String name, Class<?> type) {
        GraphVertex v = conf.getVertices().get(name);
        if (v == null) {
            return false;
        }
        return type.isInstance(v) || type.isInstance(layer(conf, name));
    }

    /** Names of the vertices that are (or whose layer is) of the given type. */
    static List<String> named(ComputationGraphConfiguration conf, Class<?> type) {
        List<String> names = new ArrayList<>();
        for (String name : conf.getVertices().keySet()) {
            if (isA(conf, name, type)) {
                names.add(name);
            }
        }
        return names;
    }

    static List<String> inputs(ComputationGraphConfiguration conf, String name) {
        return conf.getVertexInputs().get(name);
    }

    static List<String> consumers(ComputationGraphConfiguration conf, String name) {
        List<String> out = new ArrayList<>();
        conf.getVertexInputs().forEach((vertex, ins) -> {
            if (ins.contains(name)) {
                out.add(vertex);
            }
        });
        return out;
    }

    /** Asserts counts from the configuration, from the initialised net, and against the hand formula. */
    static void assertCounts(ComputationGraphConfiguration conf, long[] formula, long expectedTrainable,
            long expectedTotal) {
        assertEquals(expectedTrainable, formula[0], "hand formula, trainable");
        assertEquals(expectedTotal, formula[0] + 2 * formula[1], "hand formula, trainable + BN running statistics");
        ParameterCount fromConf = ParameterCount.of(conf);
        assertEquals(expectedTrainable, fromConf.trainable(), "trainable, from the configuration");
        assertEquals(expectedTotal, fromConf.total(), "DL4J numParams, from the configuration");
    }

    /** Forward pass on 2 random images in inference mode: shape [2, classes], rows are distributions. */
    static INDArray assertForward(ComputationGraph net, long channels, long height, long width, int classes) {
        INDArray features = Nd4j.rand(net.getConfiguration().getDataType(), 2, channels, height, width);
        INDArray out = net.outputSingle(false, features);
        assertArrayEquals(new long[] {2, classes}, out.shape());
        INDArray rowSums = out.sum(1);
        for (int i = 0; i < 2; i++) {
            assertEquals(1.0, rowSums.getDouble(i), 1e-4);
        }
        assertTrue(out.minNumber().doubleValue() >= 0);
        return out;
    }

    /** Random one-hot labels for a mini-batch. */
    static INDArray oneHot(int batch, int classes, long seed) {
        Random rng = new Random(seed);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, rng.nextInt(classes), 1.0);
        }
        return labels;
    }
}
