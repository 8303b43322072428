package org.msam.examples.models;

import java.util.Arrays;

/**
 * A multi-layer perceptron on the flattened image, the cheapest model here: DL4J's convolutions cost a 2-core
 * CPU far more time per weight than its dense layers, so this is the model for studies that need many runs.
 *
 * <p>Architecture (hidden widths default {@code 512, 256}):
 * <pre>
 *   flatten - dense(h1)-ReLU - dense(h2)-ReLU - ... - dropout (optional, default none) - dense(classes) - softmax
 * </pre>
 * The flattening is DL4J's {@code CnnToFeedForwardPreProcessor}, added by the graph builder from the
 * convolutional input type: C×H×W in NCHW order, as PyTorch's {@code nn.Flatten} on an NCHW tensor.
 *
 * <p>Parameters (all trainable, weights and biases): {@code Σ (fan_in + 1) · fan_out} over the layers, e.g.
 * 1,707,274 for 3×32×32 input, widths 512 and 256, 10 classes; 535,818 for 1×28×28 input and the same widths.
 *
 * <p>Speed of one {@code fit} on a mini-batch of 128 (float32, SGD, 2 threads, 3×32×32, the defaults), measured
 * once on a 2-core x86-64 machine with DL4J 1.0.0-M2.1 and nd4j-native: 0.12 s (about 1,100 images per second),
 * against 0.99 s for {@link SmallCnn} with a third of the parameters.
 *
 * <p>Defaults: 10 classes, input 3×32×32 (CIFAR-10), hidden widths {@code 512, 256}, no dropout.
 */
public final class Mlp extends ModelBuilder<Mlp> {
    /** Default hidden widths. */
    private static final long[] DEFAULT_HIDDEN = {512, 256};

    private long[] hidden = DEFAULT_HIDDEN.clone();
    private double dropRate;

    private Mlp() {
        super(10, 3, 32, 32);
    }

    /** @return a builder with the defaults of this class (CIFAR-10 shape) */
    public static Mlp builder() {
        return new Mlp();
    }

    /**
     * @param widths the hidden layers' widths, from the input side; none gives a linear softmax classifier
     * @return this builder
     * @throws IllegalArgumentException if a width is not positive
     */
    public Mlp hidden(long... widths) {
        for (long w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("Invalid hidden widths: " + Arrays.toString(widths)
                        + " (each must be at least 1)");
            }
        }
        this.hidden = widths.clone();
        return this;
    }

    /**
     * @param dropRate probability of dropping an input of the output layer, in [0, 1)
     * @return this builder
     * @throws IllegalArgumentException outside [0, 1)
     */
    public Mlp dropRate(double dropRate) {
        this.dropRate = checkDropRate(dropRate);
        return this;
    }

    /** @return the hidden widths */
    public long[] hidden() {
        return hidden.clone();
    }

    @Override
    void addLayers(GraphBlocks g, String input) {
        String x = input;
        for (int i = 0; i < hidden.length; i++) {
            x = g.denseRelu("fc" + (i + 1), x, hidden[i]);
        }
        g.softmaxOutput(x, numClasses(), dropRate);
    }
}
