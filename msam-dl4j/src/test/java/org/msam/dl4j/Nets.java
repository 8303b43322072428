package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.msam.reference.Data;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small networks and data sets for the listener tests. */
final class Nets {
    static final int IN = 5;
    static final int HIDDEN = 6;
    static final int OUT = 3;

    private Nets() {
    }

    static NeuralNetConfiguration.Builder base(IUpdater updater, DataType type, double l2) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(42).dataType(type)
                .updater(updater).weightInit(WeightInit.XAVIER);
        if (l2 > 0) {
            b.l2(l2).l2Bias(l2);
        }
        return b;
    }

    static MultiLayerConfiguration mlpConf(IUpdater updater, DataType type, double l2, boolean batchNorm) {
        NeuralNetConfiguration.ListBuilder lb = base(updater, type, l2).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build());
        if (batchNorm) {
            lb.layer(new BatchNormalization.Builder().nOut(HIDDEN).build());
        }
        return lb.layer(new DenseLayer.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    /** @return IN → HIDDEN (tanh) → OUT (softmax, cross-entropy) on the given builder */
    static MultiLayerConfiguration oneHiddenLayer(NeuralNetConfiguration.Builder b) {
        return b.list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    static MultiLayerNetwork mlp(IUpdater updater, DataType type, double l2, boolean batchNorm) {
        MultiLayerNetwork net = new MultiLayerNetwork(mlpConf(updater, type, l2, batchNorm));
        net.init();
        return net;
    }

    /** input → d1 → d2, add(d1, d2) → out: a residual connection. */
    static ComputationGraphConfiguration residualConf(IUpdater updater, DataType type, double l2) {
        return base(updater, type, l2).graphBuilder().addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build(), "in")
                .addLayer("d2", new DenseLayer.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.TANH).build(),
                        "d1")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "d1", "d2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                        .activation(Activation.SOFTMAX).build(), "add")
                .setOutputs("out").build();
    }

    static ComputationGraph residual(IUpdater updater, DataType type, double l2) {
        ComputationGraph g = new ComputationGraph(residualConf(updater, type, l2));
        g.init();
        return g;
    }

    /** @return {@code batches} fixed mini-batches of {@code size} examples */
    static List<DataSet> batches(int batches, int size, long seed, DataType type) {
        List<DataSet> r = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            double[] x = Data.normal(seed * 100 + b, size * IN, 1.0);
            INDArray f = Nd4j.createFromArray(x).reshape(size, IN).castTo(type);
            INDArray l = Nd4j.zeros(type, size, OUT);
            java.util.Random rnd = new java.util.Random(seed * 31 + b);
            for (int i = 0; i < size; i++) {
                l.putScalar(i, rnd.nextInt(OUT), 1.0);
            }
            r.add(new DataSet(f, l));
        }
        return r;
    }

    static DataSetIterator iterator(List<DataSet> batches) {
        DataSet all = DataSet.merge(batches);
        return new ListDataSetIterator<>(all.asList(), batches.get(0).numExamples());
    }

    /**
     * Trains {@code whole} for 4 epochs and {@code first}, from the same weights, for 2; writes {@code first} to a
     * model file in {@code dir}, restores it with the driver installed and trains it for the 2 epochs left, which
     * must end on {@code whole}'s weights bit for bit.
     *
     * @param restoredCheck run on ({@code first}, the restored network) before the restored one trains
     * @return the restored network, trained
     */
    static MultiLayerNetwork assertResumesExactly(MultiLayerNetwork whole, MultiLayerNetwork first,
            List<DataSet> batches, Path dir, BiConsumer<MultiLayerNetwork, MultiLayerNetwork> restoredCheck)
            throws IOException {
        first.setParams(whole.params().dup());
        whole.fit(iterator(batches), 4);
        first.fit(iterator(batches), 2);
        File f = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(first, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        SharpnessAware.install(restored);
        restoredCheck.accept(first, restored);
        restored.fit(iterator(batches), 2);
        assertArrayEquals(whole.params().toDoubleVector(), restored.params().toDoubleVector(), 0.0, "resumed");
        return restored;
    }

    /** {@link #assertResumesExactly(MultiLayerNetwork, MultiLayerNetwork, List, Path, BiConsumer)}, no check. */
    static MultiLayerNetwork assertResumesExactly(MultiLayerNetwork whole, MultiLayerNetwork first,
            List<DataSet> batches, Path dir) throws IOException {
        return assertResumesExactly(whole, first, batches, dir, (a, b) -> { });
    }
}
