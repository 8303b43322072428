package org.msam.examples.data;

import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link DataSetIterator} over an in-memory {@link ImageDataset}: mini-batches of normalised, optionally
 * augmented images as float32 NCHW features, with one-hot or label-smoothed labels.
 *
 * <p><b>Epochs and randomness.</b> The iterator starts at epoch {@link Builder#startEpoch(int)} (default 0).
 * {@link #reset()} moves to the next epoch if at least one batch of the current epoch was taken (a reset
 * before the first batch keeps the epoch, so DL4J's habit of resetting a fresh iterator does not skip one).
 * With shuffling, the order of epoch {@code e} is a Fisher–Yates permutation drawn from a
 * {@link java.util.Random} seeded with {@code derive(seed, e)}; the augmentation of batch {@code b} of epoch
 * {@code e} comes from a {@code Random} seeded with {@code derive(seed, e, b)} (see {@link Augmentation} for
 * the draw order). A batch therefore depends only on {@code (seed, epoch, batch index)}: the same seed gives
 * the same batches, also when they are prepared ahead on another thread.
 *
 * <p><b>Labels.</b> With label smoothing {@code ε} the target of an image of class {@code y} is
 * {@code (1 − ε)·onehot(y) + ε/K} for {@code K} classes. DL4J's {@code LossMCXENT} on these targets equals
 * PyTorch's {@code CrossEntropyLoss(label_smoothing=ε)}.
 *
 * <p>{@link #asyncSupported()} is true: every batch is built in fresh arrays, so DL4J may prefetch it (and
 * {@link PrefetchingDataSetIterator} may wrap it).
 *
 * <pre>{@code
 * DataSetIterator train = ImageDataSetIterator.builder(trainSet, 128)
 *         .stats(ChannelStats.CIFAR100).augmentation(Augmentation.cifar()).shuffle(true).seed(42)
 *         .labelSmoothing(0.1).build();
 * }</pre>
 */
public final class ImageDataSetIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    /** The images (not serialised). */
    private final transient ImageDataset data;
    /** Examples per batch. */
    private final int batchSize;
    /** Whether each epoch has its own order. */
    private final boolean shuffle;
    /** Seed of shuffling and augmentation. */
    private final long seed;
    /** Augmentation applied to every batch. */
    private final Augmentation augmentation;
    /** Normalisation statistics. */
    private final ChannelStats stats;
    /** Label smoothing ε. */
    private final double labelSmoothing;
    /** Batch limit per epoch, 0 for none. */
    private final int maxBatches;
    /** Whether the last, smaller batch is dropped. */
    private final boolean dropLast;
    /** Byte value to normalised float, per channel. */
    private final float[] lut;

    /** Current epoch. */
    private int epoch;
    /** Example order of the current epoch. */
    private int[] order;
    /** Next position in {@link #order}. */
    private int position;
    /** Batches taken in the current epoch. */
    private int batchIndex;
    /** Optional pre-processor applied to each batch. */
    private DataSetPreProcessor preProcessor;

    private ImageDataSetIterator(Builder b) {
        this.data = b.data;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.augmentation = b.augmentation;
        this.stats = b.stats;
        this.labelSmoothing = b.labelSmoothing;
        this.maxBatches = b.maxBatches;
        this.dropLast = b.dropLast;
        this.lut = stats.lookupTable();
        this.epoch = b.startEpoch;
        startEpoch();
    }

    /**
     * Starts a builder.
     *
     * @param data      the images
     * @param batchSize examples per batch (the last batch of an epoch may be smaller unless
     *                  {@link Builder#dropLast(boolean)})
     * @return a builder with no shuffling, no augmentation, statistics computed later from {@code data} unless
     *     set, no label smoothing and no batch limit
     */
    public static Builder builder(ImageDataset data, int batchSize) {
        return new Builder(data, batchSize);
    }

    private void startEpoch() {
        order = shuffle ? ImageDataset.shuffledRange(data.size(), Seeds.random(seed, epoch))
                : identity(data.size());
        position = 0;
        batchIndex = 0;
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    /** @return the current epoch (0-based) */
    public int epoch() {
        return epoch;
    }

    /**
     * Jumps to the start of the given epoch (e.g. when resuming training).
     *
     * @param epoch epoch number, 0-based
     */
    public void setEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("Invalid epoch value: " + epoch);
        }
        this.epoch = epoch;
        startEpoch();
    }

    /** @return the number of batches one epoch yields, after {@code dropLast} and the batch limit */
    public int batchesPerEpoch() {
        int n = dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
        return maxBatches > 0 ? Math.min(n, maxBatches) : n;
    }

    /** @return the data set being iterated */
    public ImageDataset dataset() {
        return data;
    }

    /** @return the normalisation statistics in use */
    public ChannelStats stats() {
        return stats;
    }

    @Override
    public boolean hasNext() {
        return batchIndex < batchesPerEpoch() && position < data.size();
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    /**
     * Returns the next {@code num} examples (fewer at the end of the data) as one batch.
     *
     * @param num examples wanted
     * @return the batch
     */
    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("Epoch " + epoch + " is finished: call reset()");
        }
        if (num <= 0) {
            throw new IllegalArgumentException("Invalid batch size: " + num);
        }
        int n = Math.min(num, data.size() - position);
        DataSet ds = assemble(Arrays.copyOfRange(order, position, position + n), batchIndex);
        position += n;
        batchIndex++;
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    private DataSet assemble(int[] indices, int batch) {
        int n = indices.length;
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int k = data.numClasses();
        int imageSize = c * h * w;
        float[] features = new float[n * imageSize];
        float[] labels = new float[n * k];
        byte[] px = data.pixelArray();
        Random random = augmentation.isNone() ? null : Seeds.random(seed, epoch, batch);
        int pad = augmentation.padding();
        float off = (float) (labelSmoothing / k);
        float on = (float) (1.0 - labelSmoothing + labelSmoothing / k);
        for (int j = 0; j < n; j++) {
            int src = indices[j] * imageSize;
            int dst = j * imageSize;
            int top = 0;
            int left = 0;
            boolean flip = false;
            if (random != null) {
                if (pad > 0) {
                    top = random.nextInt(2 * pad + 1) - pad;
                    left = random.nextInt(2 * pad + 1) - pad;
                }
                if (augmentation.horizontalFlip()) {
                    flip = random.nextBoolean();
                }
            }
            for (int ch = 0; ch < c; ch++) {
                int lutBase = ch * 256;
                float zero = lut[lutBase];
                for (int y = 0; y < h; y++) {
                    int sy = y + top;
                    int rowOut = dst + (ch * h + y) * w;
                    if (sy < 0 || sy >= h) {
                        Arrays.fill(features, rowOut, rowOut + w, zero);
                        continue;
                    }
                    int rowIn = src + (ch * h + sy) * w;
                    for (int x = 0; x < w; x++) {
                        int sx = (flip ? w - 1 - x : x) + left;
                        features[rowOut + x] = sx < 0 || sx >= w ? zero : lut[lutBase + (px[rowIn + sx] & 0xFF)];
                    }
                }
            }
            if (random != null && augmentation.cutout() > 0) {
                int cy = random.nextInt(h);
                int cx = random.nextInt(w);
                int half = augmentation.cutout() / 2;
                int y1 = Math.max(0, cy - half);
                int y2 = Math.min(h, cy + half);
                int x1 = Math.max(0, cx - half);
                int x2 = Math.min(w, cx + half);
                for (int ch = 0; ch < c; ch++) {
                    for (int y = y1; y < y2; y++) {
                        int row = dst + (ch * h + y) * w;
                        Arrays.fill(features, row + x1, row + x2, 0f);
                    }
                }
            }
            int label = data.label(indices[j]);
            if (labelSmoothing > 0) {
                Arrays.fill(labels, j * k, (j + 1) * k, off);
            }
            labels[j * k + label] = labelSmoothing > 0 ? on : 1f;
        }
        INDArray f = Nd4j.create(features, new long[] {n, c, h, w}, 'c');
        INDArray l = Nd4j.create(labels, new long[] {n, k}, 'c');
        return new DataSet(f, l);
    }

    @Override
    public int inputColumns() {
        return data.imageSize();
    }

    @Override
    public int totalOutcomes() {
        return data.numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** @return true: batches are built in fresh arrays and depend only on (seed, epoch, batch index) */
    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** Starts the next epoch (or restarts the current one if none of its batches was taken). */
    @Override
    public void reset() {
        if (batchIndex > 0) {
            epoch++;
        }
        startEpoch();
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return data.classNames();
    }

    /** Configures an {@link ImageDataSetIterator}. */
    public static final class Builder {
        private final ImageDataset data;
        private final int batchSize;
        private boolean shuffle;
        private long seed;
        private Augmentation augmentation = Augmentation.none();
        private ChannelStats stats;
        private double labelSmoothing;
        private int maxBatches;
        private boolean dropLast;
        private int startEpoch;

        private Builder(ImageDataset data, int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("Invalid batch size: " + batchSize);
            }
            if (data.size() == 0) {
                throw new IllegalArgumentException("The data set is empty");
            }
            this.data = data;
            this.batchSize = batchSize;
        }

        /**
         * Shuffles the examples anew every epoch.
         *
         * @param shuffle whether to shuffle (default false)
         * @return this builder
         */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /**
         * Sets the seed of shuffling and augmentation.
         *
         * @param seed the seed (default 0)
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets the augmentation applied to every batch.
         *
         * @param augmentation e.g. {@link Augmentation#cifar()} (default {@link Augmentation#none()})
         * @return this builder
         */
        public Builder augmentation(Augmentation augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        /**
         * Sets the normalisation statistics.
         *
         * @param stats per-channel mean and deviation (default: computed from the data set)
         * @return this builder
         */
        public Builder stats(ChannelStats stats) {
            this.stats = stats;
            return this;
        }

        /**
         * Sets label smoothing: targets become {@code (1 − ε)·onehot + ε/K}.
         *
         * @param epsilon {@code ε} in {@code [0, 1)} (default 0: one-hot)
         * @return this builder
         */
        public Builder labelSmoothing(double epsilon) {
            if (!(epsilon >= 0 && epsilon < 1)) {
                throw new IllegalArgumentException("Invalid label smoothing value: " + epsilon);
            }
            this.labelSmoothing = epsilon;
            return this;
        }

        /**
         * Stops each epoch after this many batches (for quick runs, like a {@code --max-batches} option).
         *
         * @param maxBatches batch limit per epoch, 0 for none (default 0)
         * @return this builder
         */
        public Builder maxBatches(int maxBatches) {
            if (maxBatches < 0) {
                throw new IllegalArgumentException("Invalid max batches value: " + maxBatches);
            }
            this.maxBatches = maxBatches;
            return this;
        }

        /**
         * Drops the last, smaller batch of each epoch.
         *
         * @param dropLast whether to drop it (default false)
         * @return this builder
         */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * Sets the epoch the iterator starts at (e.g. when resuming training).
         *
         * @param startEpoch 0-based epoch (default 0)
         * @return this builder
         */
        public Builder startEpoch(int startEpoch) {
            if (startEpoch < 0) {
                throw new IllegalArgumentException("Invalid epoch value: " + startEpoch);
            }
            this.startEpoch = startEpoch;
            return this;
        }

        /** @return the iterator, positioned at the start of its first epoch */
        public ImageDataSetIterator build() {
            if (stats == null) {
                stats = ChannelStats.compute(data);
            }
            if (stats.channels() != data.channels()) {
                throw new IllegalArgumentException("Statistics for " + stats.channels() + " channel(s) given for "
                        + data.channels() + "-channel images");
            }
            if (dropLast && data.size() < batchSize) {
                throw new IllegalArgumentException("dropLast with " + data.size() + " examples and batch size "
                        + batchSize + " leaves no batch");
            }
            return new ImageDataSetIterator(this);
        }
    }
}
