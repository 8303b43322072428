package org.msam.examples.models;

/**
 * A small CNN for quick CPU runs on 28×28×1 (Fashion-MNIST, MNIST) or 32×32×3 (CIFAR) images.
 *
 * <p>Architecture (convolutions without bias, {@code Same} padding, 2×2 max pooling with stride 2), with
 * n = {@link #convsPerStage(int)} conv-BN-ReLU units per stage (default {@value #DEFAULT_CONVS_PER_STAGE}):
 * <pre>
 *   n × (conv3x3(32)-BN-ReLU) - maxpool
 *   n × (conv3x3(64)-BN-ReLU) - maxpool
 *   dense(128)-ReLU - dropout - dense(classes) - softmax
 * </pre>
 * With n = 2 this is the conv-conv-pool pattern of K. Simonyan and A. Zisserman, "Very Deep Convolutional
 * Networks for Large-Scale Image Recognition", ICLR 2015 (<a href="https://arxiv.org/abs/1409.1556">arXiv:1409.1556</a>),
 * scaled down; every convolution is followed by batch normalisation (S. Ioffe and C. Szegedy, ICML 2015). The
 * dense layer reads the flattened feature map (7×7×64 at 28×28, 8×8×64 at 32×32): no global pooling here, unlike
 * the residual networks. Layers are named {@code conv<stage>_<i>}, {@code bn<stage>_<i>}, {@code relu<stage>_<i>},
 * {@code pool<stage>}, {@code fc1}, {@code output}.
 *
 * <p>Parameter counts (trainable: kernels, BN γ and β, dense weights and biases; DL4J's {@code numParams()} adds
 * 2 running statistics per BN channel, 2 × 96 for n = 1 and 2 × 192 for n = 2):
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>n</th><th>input</th><th>classes</th><th>trainable</th><th>DL4J numParams</th></tr>
 *   <tr><td>1</td><td>1×28×28</td><td>10</td><td>421,738</td><td>421,930</td></tr>
 *   <tr><td>1</td><td>3×32×32</td><td>10</td><td>545,194</td><td>545,386</td></tr>
 *   <tr><td>1</td><td>3×32×32</td><td>100</td><td>556,804</td><td>556,996</td></tr>
 *   <tr><td>2</td><td>1×28×28</td><td>10</td><td>468,010</td><td>468,394</td></tr>
 *   <tr><td>2</td><td>3×32×32</td><td>10</td><td>591,466</td><td>591,850</td></tr>
 *   <tr><td>2</td><td>3×32×32</td><td>100</td><td>603,076</td><td>603,460</td></tr>
 * </table>
 *
 * <p>Speed of one training step ({@code fit} on a mini-batch of 64, float32, SGD), measured once on a 2-core
 * x86-64 machine with DL4J 1.0.0-M2.1, generic nd4j-native (OpenBLAS, no oneDNN) and DL4J's built-in layers (what
 * {@link #nativeOps(boolean) nativeOps(false)} builds; the default native-op layers on the oneDNN build are faster,
 * see msam-bench/RESULTS.md):
 * <table>
 *   <caption>Seconds per mini-batch of 64</caption>
 *   <tr><th>n</th><th>input</th><th>2 threads</th><th>1 thread</th></tr>
 *   <tr><td>1</td><td>1×28×28</td><td>0.26</td><td>0.37</td></tr>
 *   <tr><td>1</td><td>3×32×32</td><td>0.42</td><td>0.73</td></tr>
 *   <tr><td>2</td><td>1×28×28</td><td>1.14</td><td>1.85</td></tr>
 *   <tr><td>2</td><td>3×32×32</td><td>1.72</td><td>2.87</td></tr>
 * </table>
 * Other processes shared the machine: the 2-thread figures are the fastest of 20 steps (their medians were 2–3
 * times slower, because ND4J's OpenMP threads wait for each other when a core is taken); the 1-thread figures
 * ({@code OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1}) are medians. About half of such a step is DL4J's built-in im2col,
 * which writes into a permuted buffer: the second
 * 32→32 convolution at full resolution of n = 2 quadruples that work, hence the default n = 1. At n = 1 a
 * Fashion-MNIST epoch (938 steps of 64) takes about 4 to 6 minutes.
 *
 * <p>Defaults: 10 classes, input 1×28×28 (Fashion-MNIST), n = {@value #DEFAULT_CONVS_PER_STAGE}, dropout
 * {@value #DEFAULT_DROP_RATE}.
 */
public final class SmallCnn extends ModelBuilder<SmallCnn> {
    /** Default number of 3×3 convolutions per stage: {@value}. */
    public static final int DEFAULT_CONVS_PER_STAGE = 1;
    /** Default dropout probability before the output layer: {@value}. */
    public static final double DEFAULT_DROP_RATE = 0.5;
    /** Channels of the convolutions of stage 1 and stage 2. */
    private static final long[] WIDTHS = {32, 64};
    /** Width of the hidden dense layer. */
    private static final long HIDDEN = 128;

    private int convsPerStage = DEFAULT_CONVS_PER_STAGE;
    private double dropRate = DEFAULT_DROP_RATE;

    private SmallCnn() {
        super(10, 1, 28, 28);
    }

    /** @return a builder with the defaults of this class (Fashion-MNIST shape) */
    public static SmallCnn builder() {
        return new SmallCnn();
    }

    /**
     * Sets the number of conv-BN-ReLU units before each max pooling.
     *
     * @param convsPerStage at least 1; default {@value #DEFAULT_CONVS_PER_STAGE}
     * @return this builder
     */
    public SmallCnn convsPerStage(int convsPerStage) {
        if (convsPerStage < 1) {
            throw new IllegalArgumentException("Invalid convolutions per stage: " + convsPerStage + " (must be at least 1)");
        }
        this.convsPerStage = convsPerStage;
        return this;
    }

    /**
     * Sets the dropout between the hidden dense layer and the output layer.
     *
     * @param dropRate probability of dropping an activation, in [0, 1); default {@value #DEFAULT_DROP_RATE}
     * @return this builder
     */
    public SmallCnn dropRate(double dropRate) {
        this.dropRate = checkDropRate(dropRate);
        return this;
    }

    /** @return the number of conv-BN-ReLU units per stage */
    public int convsPerStage() {
        return convsPerStage;
    }

    @Override
    void addLayers(GraphBlocks g, String input) {
        String x = input;
        for (int stage = 1; stage <= WIDTHS.length; stage++) {
            for (int i = 1; i <= convsPerStage; i++) {
                String id = stage + "_" + i;
                x = g.relu("relu" + id, g.bn("bn" + id, g.conv("conv" + id, x, WIDTHS[stage - 1], 3, 1)));
            }
            x = g.maxPool("pool" + stage, x, 2, 2);
        }
        x = g.denseRelu("fc1", x, HIDDEN);
        g.softmaxOutput(x, numClasses(), dropRate);
    }
}
