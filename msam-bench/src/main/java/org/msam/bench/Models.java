package org.msam.bench;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The networks the benchmarks train, float32, 32×32×3 input (CIFAR-shaped, NCHW):
 * <ul>
 *   <li>{@code smallCnn}: conv3×3(16)-BN-ReLU, conv3×3(32)-BN-ReLU, max-pool 2×2, dense softmax (10 classes);
 *       a MultiLayerNetwork.</li>
 *   <li>{@code wrn16_1}, {@code wrn16_4}, {@code wrn28_10}: pre-activation Wide ResNets (Zagoruyko &amp; Komodakis
 *       2016) as ComputationGraphs, 100 classes: a 3×3 stem, three groups of (depth − 4)/6 blocks of widths
 *       16k, 32k, 64k (strides 1, 2, 2), each block BN-ReLU-conv3×3-BN-ReLU-conv3×3 plus a 1×1 convolution
 *       shortcut where the shape changes, then BN-ReLU, global average pooling and a dense softmax.
 *       Convolutions have no bias.</li>
 * </ul>
 * This is a compact builder for benchmarking only (no dropout); the examples module has the training models.
 */
public final class Models {
    /** The names {@link #build} accepts. */
    public static final String[] NAMES = {"smallCnn", "wrn16_1", "wrn16_4", "wrn28_10"};
    /** Coupled weight decay λ_c (DL4J's {@code .l2}) used with the SGD-family optimizers: {@value}. */
    public static final double L2 = 5e-4;

    private static final long SEED = 42;
    private static final int SIZE = 32;
    private static final int CHANNELS = 3;

    private Models() {
    }

    /**
     * Builds and initialises a network.
     *
     * @param name    one of {@link #NAMES}
     * @param updater the updater of every layer
     * @param l2      coupled weight decay on weights (0: none)
     * @return an initialised MultiLayerNetwork or ComputationGraph
     */
    public static Model build(String name, IUpdater updater, double l2) {
        switch (name) {
            case "smallCnn":
                return smallCnn(updater, l2);
            case "wrn16_1":
                return wideResNet(16, 1, 100, updater, l2);
            case "wrn16_4":
                return wideResNet(16, 4, 100, updater, l2);
            case "wrn28_10":
                return wideResNet(28, 10, 100, updater, l2);
            default:
                throw new IllegalArgumentException("Unknown model \"" + name + "\"; expected one of "
                        + String.join(", ", NAMES));
        }
    }

    /** @return the number of classes of the model's head */
    public static int classes(String name) {
        return "smallCnn".equals(name) ? 10 : 100;
    }

    /**
     * @param name  the model
     * @param batch the mini-batch size
     * @return a random mini-batch: features N(0, 1), one-hot labels
     */
    public static DataSet randomBatch(String name, int batch) {
        Nd4j.getRandom().setSeed(SEED);
        INDArray features = Nd4j.randn(DataType.FLOAT, batch, CHANNELS, SIZE, SIZE);
        int classes = classes(name);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, (i * 7) % classes, 1f);
        }
        return new DataSet(features, labels);
    }

    private static NeuralNetConfiguration.Builder base(IUpdater updater, double l2) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(SEED).dataType(DataType.FLOAT)
                .updater(updater).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same);
        if (l2 > 0) {
            b.l2(l2);
        }
        return b;
    }

    static MultiLayerNetwork smallCnn(IUpdater updater, double l2) {
        MultiLayerConfiguration conf = base(updater, l2).list()
                .layer(conv(3, 16, 1))
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(conv(3, 32, 1))
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.convolutional(SIZE, SIZE, CHANNELS))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static ComputationGraph wideResNet(int depth, int k, int classes, IUpdater updater, double l2) {
        if ((depth - 4) % 6 != 0) {
            throw new IllegalArgumentException("Wide ResNet depth must be 6n + 4, got " + depth);
        }
        int blocks = (depth - 4) / 6;
        ComputationGraphConfiguration.GraphBuilder g = base(updater, l2).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, CHANNELS))
                .addLayer("stem", conv(3, 16, 1), "in");
        String in = "stem";
        int inWidth = 16;
        for (int group = 0; group < 3; group++) {
            int width = 16 * k << group;
            for (int b = 0; b < blocks; b++) {
                int stride = b == 0 && group > 0 ? 2 : 1;
                String p = "g" + group + "b" + b + "_";
                g.addLayer(p + "bn1", new BatchNormalization.Builder().build(), in)
                        .addLayer(p + "relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(),
                                p + "bn1")
                        .addLayer(p + "conv1", conv(3, width, stride), p + "relu1")
                        .addLayer(p + "bn2", new BatchNormalization.Builder().build(), p + "conv1")
                        .addLayer(p + "relu2", new ActivationLayer.Builder().activation(Activation.RELU).build(),
                                p + "bn2")
                        .addLayer(p + "conv2", conv(3, width, 1), p + "relu2");
                String shortcut = in;
                if (stride != 1 || inWidth != width) {
                    shortcut = p + "short";
                    g.addLayer(shortcut, conv(1, width, stride), p + "relu1");
                }
                g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "conv2", shortcut);
                in = p + "add";
                inWidth = width;
            }
        }
        g.addLayer("bn", new BatchNormalization.Builder().build(), in)
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "pool")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static ConvolutionLayer conv(int kernel, int nOut, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(nOut).hasBias(false)
                .activation(Activation.IDENTITY).build();
    }
}
