package org.msam.examples.models;

/**
 * ResNet adapted to 32×32 images: a 3×3 stride-1 stem without max pooling, then the four stages of the ImageNet
 * network (the widely used CIFAR variant of ResNet-18/50, as in SAM and MSAM experiments).
 *
 * <p>Reference: K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
 * <a href="https://arxiv.org/abs/1512.03385">arXiv:1512.03385</a>.
 *
 * <p>Architecture (post-activation, every convolution without bias and followed by BN, {@code Same} padding):
 * <pre>
 *   conv3x3(64) - BN - ReLU                                    32×32
 *   stage 1: width  64, stride 1                               32×32
 *   stage 2: width 128, first block stride 2                   16×16
 *   stage 3: width 256, first block stride 2                    8×8
 *   stage 4: width 512, first block stride 2                    4×4
 *   global average pool - dense(classes) - softmax
 *
 *   ResNet-18: basic blocks [2, 2, 2, 2]       x -&gt; ReLU(BN(conv3x3(ReLU(BN(conv3x3(x))))) + shortcut(x))
 *   ResNet-50: bottleneck blocks [3, 4, 6, 3]  x -&gt; ReLU(BN(conv1x1(4w, ReLU(BN(conv3x3(ReLU(BN(conv1x1(x)))))))) + shortcut(x))
 *   shortcut: identity, or conv1x1(stride) - BN when the shape changes
 * </pre>
 * Depths 34, 101 and 152 are available through {@link #builder(int)} with the block counts of the paper.
 *
 * <p>Parameter counts at 3×32×32 (trainable: kernels, BN γ and β, dense; DL4J's {@code numParams()} adds each BN's
 * running mean and log-std):
 * <table>
 *   <caption>Parameters of the named configurations</caption>
 *   <tr><th>model</th><th>classes</th><th>trainable</th><th>DL4J numParams</th></tr>
 *   <tr><td>ResNet-18</td><td>100</td><td>11,220,132</td><td>11,229,732</td></tr>
 *   <tr><td>ResNet-50</td><td>100</td><td>23,705,252</td><td>23,758,372</td></tr>
 *   <tr><td>ResNet-18</td><td>10</td><td>11,173,962</td><td>11,183,562</td></tr>
 *   <tr><td>ResNet-50</td><td>10</td><td>23,520,842</td><td>23,573,962</td></tr>
 * </table>
 *
 * <p>Defaults: 100 classes, input 3×32×32 (CIFAR-100).
 */
public final class ResNetCifar extends ModelBuilder<ResNetCifar> {
    private final ResNetStages stages;

    private ResNetCifar(int depth) {
        super(100, 3, 32, 32);
        this.stages = ResNetStages.of(depth);
    }

    /**
     * @param depth 18, 34, 50, 101 or 152
     * @return a builder with the defaults of this class
     */
    public static ResNetCifar builder(int depth) {
        return new ResNetCifar(depth);
    }

    /** @return ResNet-18: 11,220,132 trainable parameters (100 classes) */
    public static ResNetCifar resnet18() {
        return builder(18);
    }

    /** @return ResNet-50: 23,705,252 trainable parameters (100 classes) */
    public static ResNetCifar resnet50() {
        return builder(50);
    }

    /** @return the depth */
    public int depth() {
        return stages.depth();
    }

    @Override
    void addLayers(GraphBlocks g, String input) {
        String x = g.relu("relu1", g.bn("bn1", g.conv("conv1", input, 64, 3, 1)));
        x = stages.add(g, x);
        g.softmaxOutput(g.globalAvgPool("avgpool", x), numClasses(), 0.0);
    }
}
