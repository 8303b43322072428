package org.msam.examples.data;

import java.util.Random;

/**
 * Symmetric label noise for a training set: exactly round(p·n) of its n labels, a subset drawn uniformly with the
 * seed, are each replaced by a class drawn uniformly from the other C − 1 classes (never the true one), so the
 * fraction of wrong labels is p (up to rounding) for every seed. The images are shared, not copied. Apply it to
 * the training data only: the test set keeps its labels.
 *
 * <p>With {@code java.util.Random(seed)}: a Fisher–Yates shuffle of 0..n−1 picks the first round(p·n) indices, then
 * for each of them, in that order, the new label is (y + 1 + nextInt(C − 1)) mod C.
 */
public final class LabelNoise {
    private LabelNoise() {
    }

    /**
     * @param data the training set
     * @param p    the fraction of labels to replace, in [0, 1]
     * @param seed the seed of the choice of samples and of their new labels
     * @return the data set with noisy labels ({@code data} itself when p = 0)
     * @throws IllegalArgumentException if p is outside [0, 1], or there is only one class and p &gt; 0
     */
    public static ImageDataset apply(ImageDataset data, double p, long seed) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("--label-noise must be in [0, 1], got " + p);
        }
        if (p == 0) {
            return data;
        }
        int classes = data.numClasses();
        if (classes < 2) {
            throw new IllegalArgumentException("--label-noise needs at least two classes, the data set has " + classes);
        }
        int[] labels = data.labels();
        Random random = new Random(seed);
        int[] order = ImageDataset.shuffledRange(labels.length, random);
        int flips = count(labels.length, p);
        for (int i = 0; i < flips; i++) {
            int k = order[i];
            labels[k] = (labels[k] + 1 + random.nextInt(classes - 1)) % classes;
        }
        return new ImageDataset(data.pixelArray(), labels, data.channels(), data.height(), data.width(),
                data.classNames());
    }

    /**
     * @param n the number of samples
     * @param p the noise fraction
     * @return round(p·n), the number of labels {@link #apply} replaces
     */
    public static int count(int n, double p) {
        return (int) Math.round(p * n);
    }
}
