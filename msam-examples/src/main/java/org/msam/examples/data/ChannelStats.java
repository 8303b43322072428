package org.msam.examples.data;

import java.util.Arrays;

/**
 * Per-channel mean and standard deviation of pixel values scaled to {@code [0, 1]}, used to normalise a
 * raw byte {@code v} of channel {@code c} to {@code (v / 255 - mean[c]) / std[c]} (torchvision's
 * {@code ToTensor()} then {@code Normalize(mean, std)}).
 *
 * <p>The constants are the population statistics (divisor {@code N}) of every pixel of the official training
 * sets, as published with common CIFAR training code; {@link #compute(ImageDataset)} computes the same
 * statistics from any data set (for example from a re-encoded copy whose pixels differ slightly).
 */
public final class ChannelStats {
    /** CIFAR-10 training set, R, G, B: mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616). */
    public static final ChannelStats CIFAR10 = new ChannelStats(
            new double[] {0.49139968, 0.48215841, 0.44653091},
            new double[] {0.24703223, 0.24348513, 0.26158784});

    /** CIFAR-100 training set, R, G, B: mean (0.5071, 0.4865, 0.4409), std (0.2673, 0.2564, 0.2762). */
    public static final ChannelStats CIFAR100 = new ChannelStats(
            new double[] {0.50707516, 0.48654887, 0.44091784},
            new double[] {0.26733429, 0.25643846, 0.27615047});

    /** Fashion-MNIST training set (grey): mean 0.2860, std 0.3530. */
    public static final ChannelStats FASHION_MNIST = new ChannelStats(new double[] {0.2860406}, new double[] {0.3530242});

    /** MNIST training set (grey): mean 0.1307, std 0.3081. */
    public static final ChannelStats MNIST = new ChannelStats(new double[] {0.1306605}, new double[] {0.3081078});

    /** ImageNet (ILSVRC-2012) training set, R, G, B, as used by torchvision's pretrained models. */
    public static final ChannelStats IMAGENET = new ChannelStats(
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});

    private final double[] mean;
    private final double[] std;

    /**
     * Creates statistics from explicit values.
     *
     * @param mean per-channel mean of {@code v / 255}
     * @param std  per-channel standard deviation of {@code v / 255}, all positive
     * @throws IllegalArgumentException if the lengths differ or a deviation is not positive
     */
    public ChannelStats(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std need the same, non-zero length: " + mean.length
                    + " vs " + std.length);
        }
        for (double s : std) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("Invalid standard deviation: " + s);
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * Computes the per-channel population mean and standard deviation of all pixels of a data set, in
     * {@code [0, 1]} units. Sums are kept as exact integers, so the result does not depend on the order of
     * the images.
     *
     * @param data the images (usually the training set)
     * @return the statistics
     */
    public static ChannelStats compute(ImageDataset data) {
        int c = data.channels();
        int plane = data.height() * data.width();
        long[] sum = new long[c];
        long[] sumSq = new long[c];
        byte[] px = data.pixelArray();
        int imageSize = data.imageSize();
        for (int i = 0; i < data.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                int base = i * imageSize + ch * plane;
                long s = 0;
                long q = 0;
                for (int p = 0; p < plane; p++) {
                    int v = px[base + p] & 0xFF;
                    s += v;
                    q += v * v;
                }
                sum[ch] += s;
                sumSq[ch] += q;
            }
        }
        double n = (double) data.size() * plane;
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            double var = sumSq[ch] / n - m * m;
            mean[ch] = m / 255.0;
            std[ch] = Math.sqrt(Math.max(var, 0)) / 255.0;
            if (std[ch] == 0) {
                std[ch] = 1.0 / 255.0; // a constant channel: avoid dividing by zero
            }
        }
        return new ChannelStats(mean, std);
    }

    /** @return the number of channels */
    public int channels() {
        return mean.length;
    }

    /**
     * Returns the mean of one channel.
     *
     * @param channel channel index
     * @return mean of {@code v / 255}
     */
    public double mean(int channel) {
        return mean[channel];
    }

    /**
     * Returns the standard deviation of one channel.
     *
     * @param channel channel index
     * @return standard deviation of {@code v / 255}
     */
    public double std(int channel) {
        return std[channel];
    }

    /**
     * Builds the lookup table that maps each byte value of each channel to its normalised float.
     *
     * @return {@code table[c * 256 + v] = (v / 255 - mean[c]) / std[c]}
     */
    float[] lookupTable() {
        float[] t = new float[mean.length * 256];
        for (int c = 0; c < mean.length; c++) {
            for (int v = 0; v < 256; v++) {
                t[c * 256 + v] = (float) ((v / 255.0 - mean[c]) / std[c]);
            }
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelStats && Arrays.equals(mean, ((ChannelStats) o).mean)
                && Arrays.equals(std, ((ChannelStats) o).std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "ChannelStats[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
