package org.msam.spark.examples;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The networks {@link SparkTrain} trains on CIFAR-10 (32×32×3 images, 10 classes), in single precision. */
public final class Models {
    /** Coupled L2 on the weights of every layer. */
    public static final double L2 = 5e-4;

    private Models() {
    }

    private static NeuralNetConfiguration.ListBuilder base(IUpdater updater, long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).updater(updater)
                .weightInit(WeightInit.RELU).l2(L2).list();
    }

    /**
     * @return a small CNN: conv 3×3×16, max-pool 2, conv 3×3×32, max-pool 2, dense 64, softmax 10 (ReLU; 136,874
     *     parameters)
     */
    public static MultiLayerConfiguration cnn(IUpdater updater, long seed) {
        return base(updater, seed)
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).padding(1, 1).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).padding(1, 1).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(Cifar10Files.CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.convolutional(32, 32, 3)).build();
    }

    /** @return an MLP on the flattened image: dense 256, softmax 10 (ReLU; 789,258 parameters) */
    public static MultiLayerConfiguration mlp(IUpdater updater, long seed) {
        return base(updater, seed)
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(Cifar10Files.CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.feedForward(Cifar10Files.RECORD - 1)).build();
    }

    private static ConvolutionLayer conv(int kernel, int out, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(kernel / 2, kernel / 2)
                .nOut(out).hasBias(false).activation(Activation.IDENTITY).build();
    }

    /**
     * @return WRN-16-1 (Zagoruyko and Komodakis, 2016): a 3×3 convolution of 16 channels, then three groups of two
     *     pre-activation residual blocks (BatchNorm, ReLU, 3×3 convolution, twice) of 16, 32 and 64 channels, the
     *     first block of the second and third groups with stride 2 and a 1×1 convolution on its shortcut; BatchNorm,
     *     ReLU, global average pooling, softmax 10. 175,994 parameters, of which 928 are BatchNorm's running
     *     statistics (DL4J keeps them with the parameters).
     */
    public static ComputationGraphConfiguration wrn16x1(IUpdater updater, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.FLOAT).updater(updater).weightInit(WeightInit.RELU).l2(L2).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(32, 32, 3));
        g.addLayer("conv0", conv(3, 16, 1), "in");
        String x = "conv0";
        int in = 16;
        int[] widths = {16, 32, 64};
        for (int group = 0; group < widths.length; group++) {
            for (int b = 0; b < 2; b++) {
                int out = widths[group];
                int stride = group > 0 && b == 0 ? 2 : 1;
                String p = "g" + group + "b" + b + "_";
                g.addLayer(p + "bn1", new BatchNormalization.Builder().build(), x);
                g.addLayer(p + "relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "bn1");
                g.addLayer(p + "conv1", conv(3, out, stride), p + "relu1");
                g.addLayer(p + "bn2", new BatchNormalization.Builder().build(), p + "conv1");
                g.addLayer(p + "relu2", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "bn2");
                g.addLayer(p + "conv2", conv(3, out, 1), p + "relu2");
                String shortcut = x;
                if (stride != 1 || in != out) {
                    g.addLayer(p + "shortcut", conv(1, out, stride), p + "relu1");
                    shortcut = p + "shortcut";
                }
                g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "conv2", shortcut);
                x = p + "add";
                in = out;
            }
        }
        g.addLayer("bn", new BatchNormalization.Builder().build(), x);
        g.addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(Cifar10Files.CLASSES)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "pool");
        return g.setOutputs("out").build();
    }
}
