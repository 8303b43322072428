package org.msam.examples.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Images held in memory as unsigned bytes, with one integer class label per image.
 *
 * <p>Pixels are stored in one array, image after image, each image in planar order (all of channel 0 row by
 * row, then channel 1, …), which is the layout of the CIFAR binary files. A pixel value is read as
 * {@code pixels[i * imageSize + c * height * width + y * width + x] & 0xFF}.
 *
 * <p>Instances are immutable: the constructor takes ownership of the arrays it is given (they are not copied,
 * so that a 150 MB training set is not held twice) and no method hands them out.
 */
public final class ImageDataset {
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classNames;

    /**
     * Creates a data set over the given arrays, which must not be modified afterwards.
     *
     * @param pixels     {@code labels.length * channels * height * width} bytes, planar per image
     * @param labels     class index of each image, in {@code [0, classNames.size())}
     * @param channels   number of channels (3 for CIFAR, 1 for Fashion-MNIST)
     * @param height     image height in pixels
     * @param width      image width in pixels
     * @param classNames name of each class; its size is the number of classes
     * @throws IllegalArgumentException if the sizes disagree or a label is out of range
     */
    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, List<String> classNames) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Invalid image shape: " + channels + "x" + height + "x" + width);
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("At least one class name is required");
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("Expected " + expected + " pixel bytes for " + labels.length
                    + " images of " + channels + "x" + height + "x" + width + ", got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("Label " + labels[i] + " of image " + i + " is outside [0, "
                        + classNames.size() + ")");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classNames = Collections.unmodifiableList(new ArrayList<>(classNames));
    }

    /** @return the number of images */
    public int size() {
        return labels.length;
    }

    /** @return the number of channels */
    public int channels() {
        return channels;
    }

    /** @return the image height in pixels */
    public int height() {
        return height;
    }

    /** @return the image width in pixels */
    public int width() {
        return width;
    }

    /** @return {@code channels * height * width}, the number of bytes per image */
    public int imageSize() {
        return channels * height * width;
    }

    /** @return the number of classes */
    public int numClasses() {
        return classNames.size();
    }

    /** @return the class names, index = label (unmodifiable) */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Returns the label of one image.
     *
     * @param index image index
     * @return its class index
     */
    public int label(int index) {
        return labels[index];
    }

    /** @return a copy of all labels */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * Returns one pixel value.
     *
     * @param index   image index
     * @param channel channel
     * @param y       row
     * @param x       column
     * @return the value in {@code [0, 255]}
     */
    public int pixel(int index, int channel, int y, int x) {
        return pixels[index * imageSize() + (channel * height + y) * width + x] & 0xFF;
    }

    /**
     * Copies the bytes of one image (planar order) into {@code dest}.
     *
     * @param index  image index
     * @param dest   destination array
     * @param offset where to start writing in {@code dest}
     */
    public void copyImage(int index, byte[] dest, int offset) {
        System.arraycopy(pixels, index * imageSize(), dest, offset, imageSize());
    }

    /** Gives the package direct, read-only use of the pixel array (no copy). */
    byte[] pixelArray() {
        return pixels;
    }

    /** @return how many images each class has, index = label */
    public int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Returns the images at the given indices, in that order.
     *
     * @param indices image indices (repeats allowed)
     * @return a new data set
     */
    public ImageDataset select(int[] indices) {
        int n = imageSize();
        byte[] p = new byte[Math.multiplyExact(indices.length, n)];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * n, p, i * n, n);
            l[i] = labels[indices[i]];
        }
        return new ImageDataset(p, l, channels, height, width, classNames);
    }

    /**
     * Returns the first {@code n} images (or all of them if there are fewer).
     *
     * @param n how many images to keep
     * @return a new data set
     */
    public ImageDataset first(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("Invalid subset size: " + n);
        }
        int[] idx = new int[Math.min(n, size())];
        Arrays.setAll(idx, i -> i);
        return select(idx);
    }

    /**
     * Returns the first {@code perClass} images of every class, in file order (deterministic).
     *
     * @param perClass images to keep per class
     * @return a new data set in the original relative order
     * @throws IllegalArgumentException if a class has fewer images
     */
    public ImageDataset firstPerClass(int perClass) {
        int[] quota = new int[numClasses()];
        Arrays.fill(quota, perClass);
        checkQuota(quota);
        int[] taken = new int[numClasses()];
        int[] idx = new int[perClass * numClasses()];
        int k = 0;
        for (int i = 0; i < size() && k < idx.length; i++) {
            if (taken[labels[i]] < perClass) {
                taken[labels[i]]++;
                idx[k++] = i;
            }
        }
        return select(idx);
    }

    /**
     * Returns a class-balanced random subset of {@code n} images: every class gets {@code n / K} images
     * ({@code K} classes) and the {@code n % K} left over go, one each, to classes picked at random. Inside a
     * class the images are a uniform random sample. The result keeps the original relative order.
     *
     * <p>Randomness: one {@link Random} seeded from {@code seed} shuffles the class order (for the
     * left-over images), then the image indices of each class in turn.
     *
     * @param n    subset size
     * @param seed random seed; the same seed gives the same subset
     * @return a new data set
     * @throws IllegalArgumentException if a class has too few images
     */
    public ImageDataset balancedSubset(int n, long seed) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException("Invalid subset size " + n + " for " + size() + " images");
        }
        int k = numClasses();
        Random random = Seeds.random(seed);
        int[] classOrder = shuffledRange(k, random);
        int[] quota = new int[k];
        for (int c = 0; c < k; c++) {
            quota[c] = n / k;
        }
        for (int r = 0; r < n % k; r++) {
            quota[classOrder[r]]++;
        }
        checkQuota(quota);
        boolean[] keep = new boolean[size()];
        for (int c = 0; c < k; c++) {
            int[] members = indicesOf(c);
            shuffle(members, random);
            for (int j = 0; j < quota[c]; j++) {
                keep[members[j]] = true;
            }
        }
        int[] idx = new int[n];
        int m = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                idx[m++] = i;
            }
        }
        return select(idx);
    }

    private void checkQuota(int[] quota) {
        int[] counts = classCounts();
        for (int c = 0; c < quota.length; c++) {
            if (counts[c] < quota[c]) {
                throw new IllegalArgumentException("Class " + c + " (" + classNames.get(c) + ") has " + counts[c]
                        + " images, fewer than the " + quota[c] + " requested");
            }
        }
    }

    private int[] indicesOf(int label) {
        int[] counts = classCounts();
        int[] out = new int[counts[label]];
        int m = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == label) {
                out[m++] = i;
            }
        }
        return out;
    }

    /** Fisher–Yates shuffle of {@code 0..n-1}. */
    static int[] shuffledRange(int n, Random random) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        shuffle(a, random);
        return a;
    }

    /** In-place Fisher–Yates shuffle, from the last element down, using {@code random.nextInt(i + 1)}. */
    static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    @Override
    public String toString() {
        return "ImageDataset[" + size() + " images " + channels + "x" + height + "x" + width + ", "
                + numClasses() + " classes]";
    }
}
