package org.msam.examples.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The few vertex kinds the example models are made of, added to a graph builder. Each method adds one vertex and
 * returns its name, so blocks read as function composition: {@code relu("r", bn("b", conv("c", x, 64, 3, 1)))}.
 * Input sizes are inferred by DL4J from the graph's input type.
 */
final class GraphBlocks {
    private final ComputationGraphConfiguration.GraphBuilder graph;
    private final boolean nativeOps;

    /**
     * @param graph     the graph to add to
     * @param nativeOps true for {@link OpConvolutionLayer}, {@link OpBatchNormalization} and {@link ReluActivation},
     *                  false for DL4J's {@link ConvolutionLayer}, {@link BatchNormalization} and ReLU
     */
    GraphBlocks(ComputationGraphConfiguration.GraphBuilder graph, boolean nativeOps) {
        this.graph = graph;
        this.nativeOps = nativeOps;
    }

    /** A square convolution without bias (a batch normalisation follows it, directly or after an addition). */
    String conv(String name, String input, long nOut, int kernel, int stride) {
        return conv(name, input, nOut, kernel, stride, 0.0);
    }

    /**
     * A square convolution without bias, with dropout on its input during training.
     *
     * @param dropRate probability of dropping an input activation (PyTorch's meaning); 0 for none
     */
    String conv(String name, String input, long nOut, int kernel, int stride, double dropRate) {
        ConvolutionLayer.Builder conv = new ConvolutionLayer.Builder(kernel, kernel)
                .stride(stride, stride)
                .nOut(nOut)
                .hasBias(false)
                .activation(Activation.IDENTITY);
        if (dropRate > 0) {
            conv.dropOut(new Dropout(1.0 - dropRate)); // DL4J's Dropout takes the retain probability
        }
        ConvolutionLayer built = conv.build(); // validates kernel, stride and padding
        graph.addLayer(name, nativeOps ? new OpConvolutionLayer(conv) : built, input);
        return name;
    }

    /** Batch normalisation over channels (γ, β trained; running mean and log-std are DL4J parameters too). */
    String bn(String name, String input) {
        graph.addLayer(name, nativeOps ? new OpBatchNormalization() : new BatchNormalization.Builder().build(), input);
        return name;
    }

    /**
     * ReLU ({@code BatchNormalization} ignores its activation in DL4J, so the ReLU is a layer of its own); with the
     * native-op layers computed by {@link ReluActivation}, the same function in one pass.
     */
    String relu(String name, String input) {
        ActivationLayer.Builder relu = new ActivationLayer.Builder();
        if (nativeOps) {
            relu.activation(new ReluActivation());
        } else {
            relu.activation(Activation.RELU);
        }
        graph.addLayer(name, relu.build(), input);
        return name;
    }

    /** Any layer, for the models that need a layer kind of their own (the ViT's SameDiff layers). */
    String layer(String name, Layer layer, String input) {
        graph.addLayer(name, layer, input);
        return name;
    }

    /** Element-wise sum of a residual branch and its shortcut. */
    String add(String name, String residual, String shortcut) {
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), residual, shortcut);
        return name;
    }

    /** Square max pooling. */
    String maxPool(String name, String input, int kernel, int stride) {
        graph.addLayer(name, new SubsamplingLayer.Builder(PoolingType.MAX)
                .kernelSize(kernel, kernel)
                .stride(stride, stride)
                .build(), input);
        return name;
    }

    /** Global average pooling to one value per channel. */
    String globalAvgPool(String name, String input) {
        graph.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
        return name;
    }

    /** A dense layer with bias and ReLU (a flattening preprocessor is added by DL4J after a convolution). */
    String denseRelu(String name, String input, long nOut) {
        graph.addLayer(name, new DenseLayer.Builder().nOut(nOut).activation(Activation.RELU).build(), input);
        return name;
    }

    /**
     * The output layer {@value ModelBuilder#OUTPUT}: dense with bias, softmax, multi-class cross-entropy.
     *
     * @param dropRate probability of dropping an input activation; 0 for none
     */
    String softmaxOutput(String input, int numClasses, double dropRate) {
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(numClasses)
                .activation(Activation.SOFTMAX);
        if (dropRate > 0) {
            out.dropOut(new Dropout(1.0 - dropRate));
        }
        graph.addLayer(ModelBuilder.OUTPUT, out.build(), input);
        return ModelBuilder.OUTPUT;
    }
}
