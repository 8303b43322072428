package org.msam.examples.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.deeplearning4j.datasets.iterator.EarlyTerminationDataSetIterator;
import org.msam.examples.data.Augmentation;
import org.msam.examples.data.ChannelStats;
import org.msam.examples.data.Cifar;
import org.msam.examples.data.CifarVariant;
import org.msam.examples.data.FashionMnist;
import org.msam.examples.data.ImageDataSetIterator;
import org.msam.examples.data.ImageDataset;
import org.msam.examples.data.ImageFolderData;
import org.msam.examples.data.Mnist;
import org.msam.examples.data.Split;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** The training and test data of a run: iterators, number of classes and input shape. */
public final class DataSource {
    /** The data set names. */
    public static final List<String> NAMES = List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "imagenet");

    private final RunConfig config;
    private final ImageDataset train;
    private final ImageDataset test;
    private final ChannelStats stats;
    private final Augmentation augmentation;
    private final Path imagenet;
    private final int numClasses;
    private final long[] shape;
    private final int trainSize;

    private DataSource(RunConfig config, ImageDataset train, ImageDataset test, ChannelStats stats,
                       Augmentation augmentation, Path imagenet, int numClasses, long[] shape, int trainSize) {
        this.config = config;
        this.train = train;
        this.test = test;
        this.stats = stats;
        this.augmentation = augmentation;
        this.imagenet = imagenet;
        this.numClasses = numClasses;
        this.shape = shape;
        this.trainSize = trainSize;
    }

    /**
     * Loads the data of a run.
     *
     * @param c the run
     * @return the data
     * @throws IOException              if a file cannot be read, or is missing or corrupt (the message names it
     *                                  and says how to fix it)
     * @throws IllegalArgumentException for an unknown data set name
     */
    public static DataSource load(RunConfig c) throws IOException {
        return load(c, System.out);
    }

    /**
     * Loads the data of a run.
     *
     * @param c   the run
     * @param log receives warnings (e.g. a CIFAR file with fewer records than the official one)
     * @return the data
     * @throws IOException              if a file cannot be read, or is missing or corrupt (the message names it
     *                                  and says how to fix it)
     * @throws IllegalArgumentException for an unknown data set name
     */
    public static DataSource load(RunConfig c, java.io.PrintStream log) throws IOException {
        Path dir = c.dataDir == null ? null : Paths.get(c.dataDir);
        ImageDataset train;
        ImageDataset test;
        ChannelStats stats;
        Augmentation aug = Augmentation.none();
        if (dir != null && !c.dataset.startsWith("cifar")) {
            if (!Files.exists(dir)) {
                throw new IOException("--data-dir " + dir + " does not exist. Fix: pass --data-dir pointing to the "
                        + "folder that holds the " + c.dataset + " files.");
            }
            if (!Files.isDirectory(dir)) {
                throw new IOException("--data-dir " + dir + " is a file, not a folder. Fix: pass --data-dir pointing "
                        + "to the folder that holds the " + c.dataset + " files.");
            }
        }
        switch (c.dataset) {
            case "fashion-mnist":
                train = dir == null ? FashionMnist.embedded(Split.TRAIN) : FashionMnist.fromDirectory(dir, Split.TRAIN);
                test = dir == null ? FashionMnist.embedded(Split.TEST) : FashionMnist.fromDirectory(dir, Split.TEST);
                stats = ChannelStats.FASHION_MNIST;
                break;
            case "mnist":
                if (dir == null) {
                    throw new IllegalArgumentException("--dataset mnist needs --data-dir with the four MNIST IDX files "
                            + "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…)");
                }
                train = Mnist.fromDirectory(dir, Split.TRAIN);
                test = Mnist.fromDirectory(dir, Split.TEST);
                stats = ChannelStats.MNIST;
                break;
            case "cifar10":
            case "cifar100":
                CifarVariant v = c.dataset.equals("cifar10") ? CifarVariant.CIFAR10 : CifarVariant.CIFAR100;
                train = Cifar.load(v, Split.TRAIN, dir, null, c.download, log::println);
                test = Cifar.load(v, Split.TEST, dir, null, c.download, log::println);
                stats = v == CifarVariant.CIFAR10 ? ChannelStats.CIFAR10 : ChannelStats.CIFAR100;
                if (c.augment) {
                    aug = Augmentation.cifar();
                }
                break;
            case "imagenet":
                if (dir == null || !Files.isDirectory(dir.resolve("train")) || !Files.isDirectory(dir.resolve("val"))) {
                    throw new IOException("--dataset imagenet needs --data-dir with train/<class>/*.JPEG and "
                            + "val/<class>/*.JPEG, got " + dir);
                }
                int classes = ImageFolderData.classes(dir.resolve("train")).size();
                if (classes == 0 || ImageFolderData.count(dir.resolve("train")) == 0) {
                    throw new IOException("--data-dir " + dir + ": train/ holds no images (expected "
                            + "train/<class>/*.JPEG). Fix: pass --data-dir pointing to the folder of an ImageNet-style "
                            + "data set.");
                }
                return new DataSource(c, null, null, ChannelStats.IMAGENET, aug, dir, classes,
                        new long[] {3, c.imageSize, c.imageSize},
                        Math.toIntExact(ImageFolderData.count(dir.resolve("train"))));
            default:
                throw new IllegalArgumentException("Unknown dataset '" + c.dataset + "'; valid names: "
                        + String.join(", ", NAMES));
        }
        if (c.trainSubset > 0 && c.trainSubset < train.size()) {
            train = train.balancedSubset(c.trainSubset, c.seed);
        }
        if (c.testSubset > 0 && c.testSubset < test.size()) {
            test = test.first(c.testSubset);
        }
        for (ImageDataset d : new ImageDataset[] {train, test}) {
            if (d.size() == 0) {
                throw new IOException("The " + (d == train ? "training" : "test") + " set of --dataset " + c.dataset
                        + (dir == null ? "" : " in --data-dir " + dir) + " holds no images"
                        + (d == test && c.testSubset > 0 ? "" : ": its files are empty") + ". Fix: pass --data-dir "
                        + "pointing to a folder with the complete files.");
            }
        }
        train = org.msam.examples.data.LabelNoise.apply(train, c.labelNoise, c.labelNoiseSeed);
        return new DataSource(c, train, test, stats, aug, null, train.numClasses(),
                new long[] {train.channels(), train.height(), train.width()}, train.size());
    }

    /**
     * @param c another run's configuration
     * @return the key of the data a configuration loads: runs with equal keys can share one {@link DataSource}
     */
    public static String dataKey(RunConfig c) {
        return String.join("|", c.dataset, String.valueOf(c.dataDir), String.valueOf(c.download),
                String.valueOf(c.trainSubset), String.valueOf(c.testSubset), String.valueOf(c.seed),
                String.valueOf(c.augment), String.valueOf(c.imageSize));
    }

    /**
     * @param c a configuration with the same {@link #dataKey} as this data's
     * @return the same images, iterated as {@code c} says (batch size, label smoothing, batches per epoch)
     */
    public DataSource withConfig(RunConfig c) {
        if (!dataKey(c).equals(dataKey(config))) {
            throw new IllegalArgumentException("Different data: " + dataKey(c) + " vs " + dataKey(config));
        }
        return new DataSource(c, train, test, stats, augmentation, imagenet, numClasses, shape, trainSize);
    }

    /** @return the number of classes */
    public int numClasses() {
        return numClasses;
    }

    /** @return channels, height, width */
    public long[] shape() {
        return shape.clone();
    }

    /** @return training examples (for image folders, the image files found) */
    public int trainSize() {
        return trainSize;
    }

    /**
     * @param startEpoch the epoch the iterator starts at (for a resumed run)
     * @return the augmented, shuffled training iterator
     * @throws IOException if image folders cannot be read
     */
    public DataSetIterator train(int startEpoch) throws IOException {
        int limit = trainBatches();
        boolean limited = config.maxBatches > 0 || config.accumulate > 1;
        if (imagenet != null) {
            DataSetIterator it = ImageFolderData.train(imagenet.resolve("train"), config.imageSize, config.batchSize,
                    config.seed + startEpoch, stats);
            return limited ? new EarlyTerminationDataSetIterator(it, limit) : it;
        }
        ImageDataSetIterator.Builder b = ImageDataSetIterator.builder(train, config.batchSize).shuffle(true)
                .seed(config.seed).augmentation(augmentation).stats(stats).labelSmoothing(config.labelSmoothing)
                .startEpoch(startEpoch);
        if (limited) {
            b.maxBatches(limit);
        }
        return b.build();
    }

    /** @return the mini-batches of --batch-size in the training data, at most {@code --max-batches} */
    public int epochBatches() {
        int n = (trainSize() + config.batchSize - 1) / config.batchSize;
        return config.maxBatches > 0 ? Math.min(n, config.maxBatches) : n;
    }

    /**
     * @return the mini-batches of an epoch: all, or {@code --max-batches}; with {@code --accumulate K} only whole
     *     windows of K mini-batches per worker, so that every epoch ends on an optimizer step
     */
    public int trainBatches() {
        int batches = epochBatches();
        if (config.accumulate > 1) {
            int window = config.accumulate * config.workers;
            batches = batches / window * window;
        }
        return batches;
    }

    /**
     * @return the training data without augmentation or label smoothing, for BatchNorm statistics
     * @throws IOException if image folders cannot be read
     */
    public DataSetIterator trainPlain() throws IOException {
        if (imagenet != null) {
            return ImageFolderData.validation(imagenet.resolve("train"), config.imageSize, config.batchSize, stats,
                    null);
        }
        return ImageDataSetIterator.builder(train, config.batchSize).shuffle(true).seed(config.seed + 7919)
                .augmentation(Augmentation.none()).stats(stats).build();
    }

    /**
     * @return the test iterator (no augmentation, one-hot labels)
     * @throws IOException if image folders cannot be read
     */
    public DataSetIterator test() throws IOException {
        if (imagenet != null) {
            DataSetIterator it = ImageFolderData.validation(imagenet.resolve("val"), config.imageSize,
                    config.batchSize, stats, ImageFolderData.classes(imagenet.resolve("train")));
            return config.maxBatches > 0 ? new EarlyTerminationDataSetIterator(it, config.maxBatches) : it;
        }
        ImageDataSetIterator.Builder b = ImageDataSetIterator.builder(test, config.batchSize).shuffle(false)
                .augmentation(Augmentation.none()).stats(stats);
        if (config.maxBatches > 0) {
            b.maxBatches(config.maxBatches);
        }
        return b.build();
    }
}
