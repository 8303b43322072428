package org.msam.examples.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** MNIST handwritten digits (LeCun, Cortes and Burges) read from their official IDX files. */
public final class Mnist {
    /** The class names "0" to "9". */
    public static final List<String> CLASS_NAMES = Collections.unmodifiableList(
            Arrays.asList("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));

    private Mnist() {
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
        return FashionMnist.readIdxPair(dir, split, CLASS_NAMES);
    }
}
