package org.msam.examples.models;

/**
 * Wide residual network WRN-d-k for CIFAR-sized images.
 *
 * <p>Reference: S. Zagoruyko and N. Komodakis, "Wide Residual Networks", BMVC 2016,
 * <a href="https://arxiv.org/abs/1605.07146">arXiv:1605.07146</a>. Pre-activation blocks as in K. He et al.,
 * "Identity Mappings in Deep Residual Networks", ECCV 2016.
 *
 * <p>Architecture (all convolutions without bias, {@code Same} padding):
 * <pre>
 *   conv3x3(16)
 *   group 1: n blocks, width 16k, stride 1
 *   group 2: n blocks, width 32k, first block stride 2
 *   group 3: n blocks, width 64k, first block stride 2        n = (d - 4) / 6
 *   BN - ReLU - global average pool - dense(classes) - softmax
 *
 *   block(x):  a = ReLU(BN(x))
 *              r = conv3x3(ReLU(BN(conv3x3(a, stride))), with dropout on its input if dropRate &gt; 0)
 *              return r + (shape unchanged ? x : conv1x1(a, stride))
 * </pre>
 * When the shape changes the 1×1 shortcut convolution takes the pre-activated input {@code a}, as in the authors'
 * code. Dropout (off by default; the paper uses 0.3 on some datasets) sits between the two convolutions of every
 * block, after the ReLU.
 *
 * <p>Parameter counts at 3×32×32. "Trainable" counts convolution kernels, BN γ and β, and the dense layer;
 * DL4J's {@code numParams()} also counts each batch normalisation's running mean and running log-std (2 per
 * channel, updated by averaging rather than by the updater):
 * <table>
 *   <caption>Parameters of the named configurations</caption>
 *   <tr><th>model</th><th>classes</th><th>trainable</th><th>DL4J numParams</th></tr>
 *   <tr><td>WRN-16-1</td><td>100</td><td>180,916</td><td>181,844</td></tr>
 *   <tr><td>WRN-16-4</td><td>100</td><td>2,772,020</td><td>2,775,636</td></tr>
 *   <tr><td>WRN-16-8</td><td>100</td><td>11,007,540</td><td>11,014,740</td></tr>
 *   <tr><td>WRN-28-10</td><td>100</td><td>36,536,884</td><td>36,554,836</td></tr>
 *   <tr><td>WRN-16-4</td><td>10</td><td>2,748,890</td><td>2,752,506</td></tr>
 *   <tr><td>WRN-28-10</td><td>10</td><td>36,479,194</td><td>36,497,146</td></tr>
 * </table>
 * The paper's 2.7M (WRN-16-4) and 36.5M (WRN-28-10) are the trainable counts.
 *
 * <p>Defaults: 100 classes, input 3×32×32 (CIFAR-100), dropout off.
 *
 * <pre>{@code
 * ComputationGraph net = WideResNet.wrn16x4().numClasses(100).updater(new Sgd(0.1)).l2(5e-4).init();
 * }</pre>
 */
public final class WideResNet extends ModelBuilder<WideResNet> {
    /** Default dropout probability between the two convolutions of a block: {@value} (none). */
    public static final double DEFAULT_DROP_RATE = 0.0;

    private final int depth;
    private final int widenFactor;
    private double dropRate = DEFAULT_DROP_RATE;

    private WideResNet(int depth, int widenFactor) {
        super(100, 3, 32, 32);
        if (depth < 10 || (depth - 4) % 6 != 0) {
            throw new IllegalArgumentException("Invalid WRN depth: " + depth + " (depth - 4 must be a positive multiple of 6)");
        }
        if (widenFactor < 1) {
            throw new IllegalArgumentException("Invalid WRN widen factor: " + widenFactor + " (must be at least 1)");
        }
        this.depth = depth;
        this.widenFactor = widenFactor;
    }

    /**
     * WRN-depth-widenFactor.
     *
     * @param depth       total depth d, with (d − 4) a positive multiple of 6 (10, 16, 22, 28, 40, ...)
     * @param widenFactor widening factor k ≥ 1
     * @return a builder with the defaults of this class
     */
    public static WideResNet builder(int depth, int widenFactor) {
        return new WideResNet(depth, widenFactor);
    }

    /** @return WRN-16-1: 0.18M trainable parameters (100 classes), the quickest wide ResNet */
    public static WideResNet wrn16x1() {
        return builder(16, 1);
    }

    /** @return WRN-16-4: 2,772,020 trainable parameters (100 classes) */
    public static WideResNet wrn16x4() {
        return builder(16, 4);
    }

    /** @return WRN-16-8: 11,007,540 trainable parameters (100 classes) */
    public static WideResNet wrn16x8() {
        return builder(16, 8);
    }

    /** @return WRN-28-10: 36,536,884 trainable parameters (100 classes) */
    public static WideResNet wrn28x10() {
        return builder(28, 10);
    }

    /**
     * Sets the dropout between the two convolutions of each block.
     *
     * @param dropRate probability of dropping an activation, in [0, 1); default {@value #DEFAULT_DROP_RATE}
     * @return this builder
     */
    public WideResNet dropRate(double dropRate) {
        this.dropRate = checkDropRate(dropRate);
        return this;
    }

    /** @return the depth d */
    public int depth() {
        return depth;
    }

    /** @return the widening factor k */
    public int widenFactor() {
        return widenFactor;
    }

    /** @return the number of blocks per group, (d − 4) / 6 */
    public int blocksPerGroup() {
        return (depth - 4) / 6;
    }

    @Override
    void addLayers(GraphBlocks g, String input) {
        long[] widths = {16L * widenFactor, 32L * widenFactor, 64L * widenFactor};
        String x = g.conv("conv1", input, 16, 3, 1);
        long in = 16;
        for (int group = 0; group < widths.length; group++) {
            for (int b = 0; b < blocksPerGroup(); b++) {
                int stride = (b == 0 && group > 0) ? 2 : 1;
                x = block(g, "group" + (group + 1) + "_" + b + "_", x, in, widths[group], stride);
                in = widths[group];
            }
        }
        x = g.relu("relu_final", g.bn("bn_final", x));
        g.softmaxOutput(g.globalAvgPool("avgpool", x), numClasses(), 0.0);
    }

    private String block(GraphBlocks g, String p, String x, long in, long out, int stride) {
        String a = g.relu(p + "relu1", g.bn(p + "bn1", x));
        String r = g.conv(p + "conv1", a, out, 3, stride);
        r = g.relu(p + "relu2", g.bn(p + "bn2", r));
        r = g.conv(p + "conv2", r, out, 3, 1, dropRate);
        String shortcut = (in == out && stride == 1) ? x : g.conv(p + "shortcut", a, out, 1, stride);
        return g.add(p + "add", r, shortcut);
    }
}
