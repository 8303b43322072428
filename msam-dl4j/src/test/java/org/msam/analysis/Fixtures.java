package org.msam.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Tiny models and data for the loss-landscape tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** Row-major n×m Gaussian matrix. */
    static double[][] gaussian(int n, int m, long seed) {
        Random r = new Random(seed);
        double[][] a = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                a[i][j] = r.nextGaussian();
            }
        }
        return a;
    }

    /** One-hot labels of n samples over c classes. */
    static double[][] oneHot(int n, int c, long seed) {
        Random r = new Random(seed);
        double[][] y = new double[n][c];
        for (int i = 0; i < n; i++) {
            y[i][r.nextInt(c)] = 1;
        }
        return y;
    }

    /** The samples in mini-batches of {@code batch} (the last one partial when n is not a multiple). */
    static ListDataSetIterator<DataSet> iterator(double[][] x, double[][] y, int batch) {
        List<DataSet> list = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y)).asList();
        return new ListDataSetIterator<>(list, batch);
    }

    /** Linear regression: an identity output layer with MSE, nIn inputs, nOut outputs, double. */
    static MultiLayerNetwork linear(int nIn, int nOut, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).l2(0.3).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(nIn).nOut(nOut)
                        .activation(Activation.IDENTITY).build())
                .build());
        net.init();
        return net;
    }

    /** The same linear regression as a ComputationGraph. */
    static ComputationGraph linearGraph(int nIn, int nOut, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(seed)
                .updater(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).l2(0.3).graphBuilder()
                .addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(nIn).nOut(nOut)
                        .activation(Activation.IDENTITY).build(), "in")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** dense(tanh) → BatchNorm → softmax output, with the given updater. */
    static MultiLayerNetwork withBatchNorm(IUpdater updater, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** dense(tanh) → BatchNorm → softmax output as a ComputationGraph. */
    static ComputationGraph graphWithBatchNorm(IUpdater updater, long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(updater).graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nOut(5).build(), "dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /** Wraps an iterator and counts the samples it hands out per pass (reset starts a new pass). */
    static final class Counting implements DataSetIterator {
        private static final long serialVersionUID = 1L;
        private final DataSetIterator inner;
        final List<Long> passes = new ArrayList<>();

        Counting(DataSetIterator inner) {
            this.inner = inner;
        }

        @Override
        public DataSet next(int num) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int inputColumns() {
            return inner.inputColumns();
        }

        @Override
        public int totalOutcomes() {
            return inner.totalOutcomes();
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            inner.reset();
            passes.add(0L);
        }

        @Override
        public int batch() {
            return inner.batch();
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            inner.setPreProcessor(preProcessor);
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return inner.getPreProcessor();
        }

        @Override
        public List<String> getLabels() {
            return inner.getLabels();
        }

        @Override
        public boolean hasNext() {
            return inner.hasNext();
        }

        @Override
        public DataSet next() {
            DataSet ds = inner.next();
            if (passes.isEmpty()) {
                passes.add(0L);
            }
            passes.set(passes.size() - 1, passes.get(passes.size() - 1) + ds.numExamples());
            return ds;
        }
    }

    /** Bits of the parameters, to compare before and after a measurement. */
    static double[] bits(org.deeplearning4j.nn.api.Model m) {
        return m.params().toDoubleVector();
    }

    static INDArray row(double[] v) {
        return Nd4j.createFromArray(v).reshape(1, v.length);
    }
}
