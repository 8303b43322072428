package org.msam.examples.models;

/**
 * The four residual stages shared by {@link ResNetCifar} and {@link ResNetImageNet}: post-activation blocks of
 * K. He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, with batch normalisation after every
 * convolution and a projection shortcut (1×1 convolution + BN) where the shape changes. In bottleneck blocks the
 * stride sits on the 3×3 convolution (torchvision's "ResNet v1.5"; the parameter count does not depend on it).
 */
final class ResNetStages {
    /** Stage widths (bottleneck width for bottleneck blocks). */
    private static final long[] PLANES = {64, 128, 256, 512};
    /** Channel multiplier of the last convolution of a bottleneck block. */
    private static final int BOTTLENECK_EXPANSION = 4;

    private final int depth;
    private final boolean bottleneck;
    private final int[] blocks;

    private ResNetStages(int depth, boolean bottleneck, int... blocks) {
        this.depth = depth;
        this.bottleneck = bottleneck;
        this.blocks = blocks;
    }

    /**
     * The standard depths of He et al. 2016, Table 1.
     *
     * @param depth 18, 34 (basic blocks), 50, 101 or 152 (bottleneck blocks)
     */
    static ResNetStages of(int depth) {
        switch (depth) {
            case 18:
                return new ResNetStages(depth, false, 2, 2, 2, 2);
            case 34:
                return new ResNetStages(depth, false, 3, 4, 6, 3);
            case 50:
                return new ResNetStages(depth, true, 3, 4, 6, 3);
            case 101:
                return new ResNetStages(depth, true, 3, 4, 23, 3);
            case 152:
                return new ResNetStages(depth, true, 3, 8, 36, 3);
            default:
                throw new IllegalArgumentException("Invalid ResNet depth: " + depth + " (valid: 18, 34, 50, 101, 152)");
        }
    }

    int depth() {
        return depth;
    }

    /**
     * Adds the four stages after the stem.
     *
     * @param x  name of the stem's output, with 64 channels
     * @return name of the last block's output (512 or 2048 channels)
     */
    String add(GraphBlocks g, String x) {
        long in = 64;
        for (int stage = 0; stage < PLANES.length; stage++) {
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = (b == 0 && stage > 0) ? 2 : 1;
                String p = "layer" + (stage + 1) + "_" + b + "_";
                long planes = PLANES[stage];
                x = bottleneck ? bottleneckBlock(g, p, x, in, planes, stride) : basicBlock(g, p, x, in, planes, stride);
                in = bottleneck ? planes * BOTTLENECK_EXPANSION : planes;
            }
        }
        return x;
    }

    /** conv3x3-BN-ReLU-conv3x3-BN, plus shortcut, then ReLU. */
    private static String basicBlock(GraphBlocks g, String p, String x, long in, long planes, int stride) {
        String r = g.relu(p + "relu1", g.bn(p + "bn1", g.conv(p + "conv1", x, planes, 3, stride)));
        r = g.bn(p + "bn2", g.conv(p + "conv2", r, planes, 3, 1));
        return g.relu(p + "relu", g.add(p + "add", r, shortcut(g, p, x, in, planes, stride)));
    }

    /** conv1x1-BN-ReLU-conv3x3(stride)-BN-ReLU-conv1x1(4×)-BN, plus shortcut, then ReLU. */
    private static String bottleneckBlock(GraphBlocks g, String p, String x, long in, long planes, int stride) {
        long out = planes * BOTTLENECK_EXPANSION;
        String r = g.relu(p + "relu1", g.bn(p + "bn1", g.conv(p + "conv1", x, planes, 1, 1)));
        r = g.relu(p + "relu2", g.bn(p + "bn2", g.conv(p + "conv2", r, planes, 3, stride)));
        r = g.bn(p + "bn3", g.conv(p + "conv3", r, out, 1, 1));
        return g.relu(p + "relu", g.add(p + "add", r, shortcut(g, p, x, in, out, stride)));
    }

    /** Identity, or a projection (1×1 convolution + BN) when the shape changes. */
    private static String shortcut(GraphBlocks g, String p, String x, long in, long out, int stride) {
        if (in == out && stride == 1) {
            return x;
        }
        return g.bn(p + "downsample_bn", g.conv(p + "downsample_conv", x, out, 1, stride));
    }
}
