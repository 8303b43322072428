package org.msam.examples.models;

import java.util.Objects;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Common options of the example models, and the assembly of their {@link ComputationGraphConfiguration}.
 *
 * <p>Every model takes the same options: the number of classes, the input shape (channels, height, width, NCHW),
 * a seed, a weight initialisation, the {@link IUpdater} (required: any ND4J or MSAM updater configuration), an
 * optional L2 coefficient and the data type. Each model class sets its own default classes and input shape.
 * {@link #conf()} builds a fresh configuration on every call; {@link #init()} builds and initialises a
 * {@link ComputationGraph}, as DL4J's zoo models do. The models of this package are its only subclasses.
 *
 * <p>Conventions shared by all models:
 * <ul>
 *   <li>one input named {@value #INPUT}, one output layer named {@value #OUTPUT}: softmax with multi-class
 *       cross-entropy ({@code MCXENT}); label smoothing, if any, belongs to the labels;</li>
 *   <li>{@link ConvolutionMode#Same} for every convolution and pooling (output size {@code ceil(in / stride)});
 *       for a stride-2 3×3 convolution on an even input DL4J pads one pixel at the bottom/right only, where
 *       PyTorch's {@code padding=1} pads one on each side: same shapes and parameter counts, sampling grid
 *       shifted by one pixel;</li>
 *   <li>convolutions followed by batch normalisation have no bias; batch normalisation uses DL4J's defaults
 *       (decay 0.9, ε = 1e-5, the same as PyTorch's momentum 0.1 and eps 1e-5);</li>
 *   <li>L2: {@code l2(c)} sets DL4J's {@code .l2(c)} on the global builder. DL4J applies it to weights only
 *       (convolution kernels and dense weights, the output layer's included): biases are not regularised
 *       ({@code l2Bias} stays 0) and {@code BatchNormalization} never regularises γ, β or its running
 *       statistics. It is coupled L2, added to the averaged gradient before the updater
 *       ({@code g += c·w}), i.e. PyTorch's {@code weight_decay=c} restricted to weights.</li>
 * </ul>
 *
 * @param <B> the concrete builder type, returned by the setters
 */
public abstract class ModelBuilder<B extends ModelBuilder<B>> {
    /**
     * @param dropRate a dropout probability
     * @return it, if in [0, 1)
     * @throws IllegalArgumentException otherwise, naming the value and the range
     */
    static double checkDropRate(double dropRate) {
        if (!(dropRate >= 0 && dropRate < 1)) {
            throw new IllegalArgumentException("Invalid drop rate: " + dropRate + " (must be in [0, 1))");
        }
        return dropRate;
    }

    /** Name of the graph's input. */
    public static final String INPUT = "input";
    /** Name of the graph's output layer (softmax + MCXENT). */
    public static final String OUTPUT = "output";
    /** Default seed: {@value}. */
    public static final long DEFAULT_SEED = 12345L;
    /** Default L2 coefficient: {@value} (no regularisation). */
    public static final double DEFAULT_L2 = 0.0;
    /** Default weight initialisation: He et al. 2015, normal with variance 2/fan-in ({@link WeightInit#RELU}). */
    public static final WeightInit DEFAULT_WEIGHT_INIT = WeightInit.RELU;
    /** Default data type of parameters and activations: {@link DataType#FLOAT}. */
    public static final DataType DEFAULT_DATA_TYPE = DataType.FLOAT;
    /** Default for {@link #nativeOps(boolean)}: {@value} (libnd4j's convolution and batch-normalisation ops). */
    public static final boolean DEFAULT_NATIVE_OPS = true;

    private int numClasses;
    private long channels;
    private long height;
    private long width;
    private long seed = DEFAULT_SEED;
    private IWeightInit weightInit = DEFAULT_WEIGHT_INIT.getWeightInitFunction();
    private IUpdater updater;
    private double l2 = DEFAULT_L2;
    private DataType dataType = DEFAULT_DATA_TYPE;
    private boolean nativeOps = DEFAULT_NATIVE_OPS;

    /**
     * @param numClasses default number of classes of this model
     * @param channels   default input channels
     * @param height     default input height
     * @param width      default input width
     */
    ModelBuilder(int numClasses, long channels, long height, long width) {
        numClasses(numClasses);
        inputShape(channels, height, width);
    }

    /**
     * Sets the number of classes, the width of the softmax output.
     *
     * @param numClasses at least 2
     * @return this builder
     */
    public final B numClasses(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("Invalid number of classes: " + numClasses + " (must be at least 2)");
        }
        this.numClasses = numClasses;
        return self();
    }

    /**
     * Sets the input shape of one example (NCHW).
     *
     * @param channels input channels, positive
     * @param height   image height, positive
     * @param width    image width, positive
     * @return this builder
     */
    public final B inputShape(long channels, long height, long width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Invalid input shape: " + channels + "x" + height + "x" + width
                    + " (channels, height and width must be positive)");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        return self();
    }

    /**
     * Sets the seed of the weight initialisation and of dropout masks.
     *
     * @param seed any value; default {@value #DEFAULT_SEED}
     * @return this builder
     */
    public final B seed(long seed) {
        this.seed = seed;
        return self();
    }

    /**
     * Sets the weight initialisation of every convolution and dense layer; default {@link #DEFAULT_WEIGHT_INIT}.
     *
     * @param weightInit the scheme
     * @return this builder
     */
    public final B weightInit(WeightInit weightInit) {
        return weightInit(Objects.requireNonNull(weightInit, "weightInit").getWeightInitFunction());
    }

    /**
     * Sets the weight initialisation of every convolution and dense layer.
     *
     * @param weightInit the scheme
     * @return this builder
     */
    public final B weightInit(IWeightInit weightInit) {
        this.weightInit = Objects.requireNonNull(weightInit, "weightInit");
        return self();
    }

    /**
     * Sets the updater of every trainable parameter (required).
     *
     * @param updater any {@link IUpdater} configuration
     * @return this builder
     */
    public final B updater(IUpdater updater) {
        this.updater = Objects.requireNonNull(updater, "updater");
        return self();
    }

    /**
     * Sets the coupled L2 coefficient on weights (not biases, not batch normalisation); 0 disables it.
     *
     * @param l2 non-negative and finite; default {@value #DEFAULT_L2}
     * @return this builder
     */
    public final B l2(double l2) {
        if (!(l2 >= 0) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("Invalid L2 coefficient: " + l2 + " (must be finite and >= 0)");
        }
        this.l2 = l2;
        return self();
    }

    /**
     * Sets the data type of parameters and activations.
     *
     * @param dataType a floating-point type; default {@link #DEFAULT_DATA_TYPE}
     * @return this builder
     */
    public final B dataType(DataType dataType) {
        if (dataType == null || !dataType.isFPType()) {
            throw new IllegalArgumentException("Invalid data type: " + dataType + " (must be a floating-point type)");
        }

        this.dataType = dataType;
        return self();
    }

    /**
     * Chooses how convolutions, batch normalisations and ReLU layers are computed. With native ops (the default)
     * they are {@link OpConvolutionLayer}, {@link OpBatchNormalization} and {@link ReluActivation}: DL4J's layers, the
     * convolutions computed by libnd4j's {@code conv2d} ops, which run on oneDNN with the oneDNN build of
     * nd4j-native, the batch normalisations by {@link BatchNormKernel}. Without, they are DL4J's
     * {@code ConvolutionLayer} (im2col + GEMM), {@code BatchNormalization} and ReLU, as in models saved before the
     * native ops. Both compute the same function with the same parameters; only the speed differs.
     *
     * @param nativeOps true for libnd4j's ops; default {@value #DEFAULT_NATIVE_OPS}
     * @return this builder
     */
    public final B nativeOps(boolean nativeOps) {
        this.nativeOps = nativeOps;
        return self();
    }

    /** @return the number of classes */
    public final int numClasses() {
        return numClasses;
    }

    /** @return the input channels */
    public final long channels() {
        return channels;
    }

    /** @return the input height */
    public final long height() {
        return height;
    }

    /** @return the input width */
    public final long width() {
        return width;
    }

    /**
     * Builds a new configuration from the current options.
     *
     * @return the graph configuration, with input types set (so every {@code nIn} is inferred)
     * @throws IllegalStateException if no updater was set
     */
    public final ComputationGraphConfiguration conf() {
        if (updater == null) {
            throw new IllegalStateException("No updater set: call updater(IUpdater) before building the model");
        }
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .weightInit(weightInit)
                .updater(updater)
                .convolutionMode(ConvolutionMode.Same);
        if (l2 > 0) {
            global.l2(l2);
        }
        ComputationGraphConfiguration.GraphBuilder graph = global.graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(height, width, channels));
        addLayers(new GraphBlocks(graph, nativeOps), INPUT);
        return graph.setOutputs(OUTPUT).build();
    }

    /**
     * Builds a new configuration and an initialised network from it.
     *
     * @return the initialised graph
     */
    public final ComputationGraph init() {
        ComputationGraph net = new ComputationGraph(conf());
        net.init();
        return net;
    }

    /**
     * Adds the model's vertices, ending with the output layer named {@link #OUTPUT}.
     *
     * @param g     the graph under construction
     * @param input name of the input
     */
    abstract void addLayers(GraphBlocks g, String input);

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
