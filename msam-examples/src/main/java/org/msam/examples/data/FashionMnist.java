package org.msam.examples.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence, © 2017 Zalando SE): 28×28 grey images of
 * 10 kinds of clothing.
 *
 * <p>{@link #embedded(Split)} reads the copy shipped inside this module, which lets the examples run
 * offline: the full 10,000-image test set and a class-balanced 10,000-image training subset (the first
 * 1,000 images of each class of the official training file, in file order), as gzip'ed IDX files under
 * {@value #RESOURCE_DIR} (see the README and LICENSE there). {@link #fromDirectory(Path, Split)} reads the
 * full official files. This class needs only the JDK, so that {@link FashionMnistSubset} runs without DL4J.
 *
 * <pre>{@code
 * ImageDataset train = FashionMnist.embedded(Split.TRAIN);            // 10,000 images, 1,000 per class
 * DataSetIterator it = ImageDataSetIterator.builder(train, 64)        // NCHW [64, 1, 28, 28], one-hot
 *         .stats(ChannelStats.FASHION_MNIST).shuffle(true).seed(42).build();
 * }</pre>
 */
public final class FashionMnist {
    /** Class-path folder of the shipped files. */
    public static final String RESOURCE_DIR = "/org/msam/examples/data/fashion-mnist/";
    /** Images per class in the shipped training subset. */
    public static final int EMBEDDED_TRAIN_PER_CLASS = 1_000;
    /** The ten class names, index = label. */
    public static final List<String> CLASS_NAMES = Collections.unmodifiableList(Arrays.asList(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"));

    private FashionMnist() {
    }

    /**
     * Reads the copy shipped in this module.
     *
     * @param split {@link Split#TRAIN} for the 10,000-image balanced subset, {@link Split#TEST} for the full
     *              10,000-image test set
     * @return the images
     * @throws IOException if the resources are missing or corrupt
     */
    public static ImageDataset embedded(Split split) throws IOException {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        String imagesName = RESOURCE_DIR + prefix + "-images-idx3-ubyte.gz";
        String labelsName = RESOURCE_DIR + prefix + "-labels-idx1-ubyte.gz";
        IdxReader.IdxArray images;
        IdxReader.IdxArray labels;
        try (InputStream in = resource(imagesName)) {
            images = IdxReader.read(in, "resource " + imagesName, 3);
        }
        try (InputStream in = resource(labelsName)) {
            labels = IdxReader.read(in, "resource " + labelsName, 1);
        }
        return IdxReader.toDataset(images, imagesName, labels, labelsName, CLASS_NAMES);
    }

    /**
     * Reads the official files from a folder: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
     * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally ending in {@code .gz}.
     *
     * @param dir   the folder
     * @param split training or test
     * @return the images
     * @throws IOException if a file is missing or malformed
     */
    public static ImageDataset fromDirectory(Path dir, Split split) throws IOException {
        return readIdxPair(dir, split, CLASS_NAMES);
    }

    /**
     * Reads an MNIST-layout image/label pair of one split from a folder (shared with {@link Mnist}).
     *
     * @param dir        the folder
     * @param split      training or test
     * @param classNames class names
     * @return the images
     * @throws IOException if a file is missing or malformed
     */
    static ImageDataset readIdxPair(Path dir, Split split, List<String> classNames) throws IOException {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        return IdxReader.readDataset(find(dir, prefix + "-images-idx3-ubyte"), find(dir, prefix + "-labels-idx1-ubyte"),
                classNames);
    }

    private static Path find(Path dir, String name) {
        Path plain = dir.resolve(name);
        Path gz = dir.resolve(name + ".gz");
        return Files.exists(plain) || !Files.exists(gz) ? plain : gz;
    }

    private static InputStream resource(String name) throws DatasetFormatException {
        InputStream in = FashionMnist.class.getResourceAsStream(name);
        if (in == null) {
            throw new DatasetFormatException("Class-path resource " + name + " not found: the msam-examples jar is "
                    + "incomplete. Fix: rebuild it, or read the official files with --data-dir.");
        }
        return in;
    }
}
