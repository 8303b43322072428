package org.msam.examples.models;

/**
 * Parameter counts computed by hand from each architecture's definition, independently of DL4J. Each method
 * returns {trainable, BN channels}: DL4J's numParams() is trainable + 2 × BN channels (running mean and log-std).
 */
final class ParamFormulas {
    private ParamFormulas() {
    }

    static long conv(long k, long in, long out) {
        return k * k * in * out; // no bias
    }

    static long dense(long in, long out) {
        return in * out + out;
    }

    /** WRN-d-k, pre-activation; BN γ, β per channel. */
    static long[] wideResNet(int depth, int k, int classes, int channels) {
        int n = (depth - 4) / 6;
        long[] widths = {16L * k, 32L * k, 64L * k};
        long trainable = conv(3, channels, 16);
        long bn = 0;
        long in = 16;
        for (int g = 0; g < 3; g++) {
            long out = widths[g];
            for (int b = 0; b < n; b++) {
                int stride = (b == 0 && g > 0) ? 2 : 1;
                trainable += 2 * in + conv(3, in, out) + 2 * out + conv(3, out, out);
                bn += in + out;
                if (in != out || stride != 1) {
                    trainable += conv(1, in, out);
                }
                in = out;
            }
        }
        trainable += 2 * in + dense(in, classes);
        bn += in;
        return new long[] {trainable, bn};
    }

    /** ResNet of He et al. 2016 with a 3×3 (CIFAR) or 7×7 (ImageNet) stem; projection shortcuts with BN. */
    static long[] resNet(int depth, int classes, int channels, boolean imageNetStem) {
        boolean bottleneck = depth >= 50;
        int[] blocks;
        switch (depth) {
            case 18: blocks = new int[] {2, 2, 2, 2}; break;
            case 34: blocks = new int[] {3, 4, 6, 3}; break;
            case 50: blocks = new int[] {3, 4, 6, 3}; break;
            case 101: blocks = new int[] {3, 4, 23, 3}; break;
            case 152: blocks = new int[] {3, 8, 36, 3}; break;
            default: throw new IllegalArgumentException("depth " + depth);
        }
        long trainable = conv(imageNetStem ? 7 : 3, channels, 64) + 2 * 64;
        long bn = 64;
        long in = 64;
        long[] planes = {64, 128, 256, 512};
        for (int s = 0; s < 4; s++) {
            long w = planes[s];
            long out = bottleneck ? 4 * w : w;
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                if (bottleneck) {
                    trainable += conv(1, in, w) + 2 * w + conv(3, w, w) + 2 * w + conv(1, w, out) + 2 * out;
                    bn += w + w + out;
                } else {
                    trainable += conv(3, in, w) + 2 * w + conv(3, w, w) + 2 * w;
                    bn += w + w;
                }
                if (in != out || stride != 1) {
                    trainable += conv(1, in, out) + 2 * out;
                    bn += out;
                }
                in = out;
            }
        }
        trainable += dense(in, classes);
        return new long[] {trainable, bn};
    }

    /** n × conv32 - pool - n × conv64 - pool - dense128 - dense(classes), each conv followed by BN. */
    static long[] smallCnn(int convsPerStage, int channels, int height, int width, int classes) {
        long trainable = 0;
        long bn = 0;
        long in = channels;
        for (long w : new long[] {32, 64}) {
            for (int i = 0; i < convsPerStage; i++) {
                trainable += conv(3, in, w) + 2 * w;
                bn += w;
                in = w;
            }
        }
        long h = ceilHalf(ceilHalf(height));
        long w = ceilHalf(ceilHalf(width));
        trainable += dense(in * h * w, 128) + dense(128, classes);
        return new long[] {trainable, bn};
    }

    private static long ceilHalf(long x) {
        return (x + 1) / 2;
    }
}
