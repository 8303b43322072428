package org.msam.examples.models;

/**
 * ResNet for 224×224 ImageNet images, with the layers and parameters of torchvision's {@code resnet50} and
 * {@code resnet101}.
 *
 * <p>Reference: K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
 * <a href="https://arxiv.org/abs/1512.03385">arXiv:1512.03385</a>.
 *
 * <p>Architecture (post-activation, every convolution without bias and followed by BN, {@code Same} padding):
 * <pre>
 *   conv7x7(64, stride 2) - BN - ReLU - maxpool3x3(stride 2)   112×112, then 56×56
 *   stage 1: width  64, stride 1                               56×56
 *   stage 2: width 128, first block stride 2                   28×28
 *   stage 3: width 256, first block stride 2                   14×14
 *   stage 4: width 512, first block stride 2                    7×7
 *   global average pool - dense(classes) - softmax
 *
 *   ResNet-50:  bottleneck blocks [3, 4, 6, 3]
 *   ResNet-101: bottleneck blocks [3, 4, 23, 3]
 *   bottleneck: conv1x1(w)-BN-ReLU-conv3x3(w, stride)-BN-ReLU-conv1x1(4w)-BN, + shortcut, ReLU
 *   shortcut:   identity, or conv1x1(4w, stride) - BN when the shape changes
 * </pre>
 * The stride of a bottleneck block is on its 3×3 convolution, as in torchvision ("v1.5"). Depths 18, 34 and 152
 * are available through {@link #builder(int)}.
 *
 * <p>Parameter counts at 3×224×224 and 1000 classes (trainable: kernels, BN γ and β, dense; the published
 * torchvision numbers; DL4J's {@code numParams()} adds each BN's running mean and log-std):
 * <table>
 *   <caption>Parameters of the named configurations</caption>
 *   <tr><th>model</th><th>trainable</th><th>DL4J numParams</th></tr>
 *   <tr><td>ResNet-50</td><td>25,557,032</td><td>25,610,152</td></tr>
 *   <tr><td>ResNet-101</td><td>44,549,160</td><td>44,654,504</td></tr>
 * </table>
 *
 * <p>Defaults: 1000 classes, input 3×224×224.
 */
public final class ResNetImageNet extends ModelBuilder<ResNetImageNet> {
    private final ResNetStages stages;

    private ResNetImageNet(int depth) {
        super(1000, 3, 224, 224);
        this.stages = ResNetStages.of(depth);
    }

    /**
     * @param depth 18, 34, 50, 101 or 152
     * @return a builder with the defaults of this class
     */
    public static ResNetImageNet builder(int depth) {
        return new ResNetImageNet(depth);
    }

    /** @return ResNet-50: 25,557,032 trainable parameters (1000 classes) */
    public static ResNetImageNet resnet50() {
        return builder(50);
    }

    /** @return ResNet-101: 44,549,160 trainable parameters (1000 classes) */
    public static ResNetImageNet resnet101() {
        return builder(101);
    }

    /** @return the depth */
    public int depth() {
        return stages.depth();
    }

    @Override
    void addLayers(GraphBlocks g, String input) {
        String x = g.relu("relu1", g.bn("bn1", g.conv("conv1", input, 64, 7, 2)));
        x = g.maxPool("maxpool", x, 3, 2);
        x = stages.add(g, x);
        g.softmaxOutput(g.globalAvgPool("avgpool", x), numClasses(), 0.0);
    }
}
