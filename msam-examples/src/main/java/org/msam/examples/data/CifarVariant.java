package org.msam.examples.data;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The two CIFAR data sets in their binary layout (Krizhevsky, 2009, "Learning Multiple Layers of Features
 * from Tiny Images"), with where to download them and how their files are laid out.
 *
 * <p>A record is {@link #labelBytes()} label bytes followed by 3,072 pixel bytes: 1,024 red, 1,024 green and
 * 1,024 blue values, each a 32×32 image in row-major order. CIFAR-10 has one label byte (0–9); CIFAR-100 has
 * a coarse label (0–19) and then a fine label (0–99): the fine label is used, giving 100 classes.
 */
public enum CifarVariant {
    /** CIFAR-10: 10 classes, 50,000 training and 10,000 test images. */
    CIFAR10("CIFAR-10", 1, 0, new int[] {10},
            Arrays.asList("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                    "data_batch_5.bin"),
            Collections.singletonList("test_batch.bin"), 10_000,
            "cifar-10-batches-bin", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
            "c32a1d4ab5d03f1284b67883e8d87530",
            Arrays.asList("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")),

    /** CIFAR-100 with its 100 fine labels: 50,000 training and 10,000 test images. */
    CIFAR100("CIFAR-100", 2, 1, new int[] {20, 100},
            Collections.singletonList("train.bin"), Collections.singletonList("test.bin"), -1,
            "cifar-100-binary", "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
            "03b5dce01913d631647c71ecec9e9cb8",
            Arrays.asList("apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
                    "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar",
                    "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile",
                    "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster",
                    "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster",
                    "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange",
                    "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy",
                    "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea", "seal",
                    "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar",
                    "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
                    "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman",
                    "worm"));

    /** Image side in pixels. */
    public static final int SIZE = 32;
    /** Colour channels. */
    public static final int CHANNELS = 3;
    /** Pixel bytes per record: 3 × 32 × 32. */
    public static final int PIXEL_BYTES = CHANNELS * SIZE * SIZE;

    private final String displayName;
    private final int labelBytes;
    private final int labelIndex;
    private final int[] labelLimits;
    private final List<String> trainFiles;
    private final List<String> testFiles;
    private final int recordsPerTrainFile;
    private final String folderName;
    private final String url;
    private final String md5;
    private final List<String> classNames;

    CifarVariant(String displayName, int labelBytes, int labelIndex, int[] labelLimits, List<String> trainFiles,
            List<String> testFiles, int recordsPerTrainFile, String folderName, String url, String md5,
            List<String> classNames) {
        this.displayName = displayName;
        this.labelBytes = labelBytes;
        this.labelIndex = labelIndex;
        this.labelLimits = labelLimits;
        this.trainFiles = Collections.unmodifiableList(trainFiles);
        this.testFiles = Collections.unmodifiableList(testFiles);
        this.recordsPerTrainFile = recordsPerTrainFile;
        this.folderName = folderName;
        this.url = url;
        this.md5 = md5;
        this.classNames = Collections.unmodifiableList(classNames);
    }

    /** @return the data set's usual name, e.g. "CIFAR-10" */
    public String displayName() {
        return displayName;
    }

    /** @return label bytes at the start of each record (1 for CIFAR-10, 2 for CIFAR-100) */
    public int labelBytes() {
        return labelBytes;
    }

    /** @return which label byte is the class (0 for CIFAR-10, 1 = the fine label for CIFAR-100) */
    int labelIndex() {
        return labelIndex;
    }

    /**
     * Returns the exclusive upper bound of one label byte.
     *
     * @param labelByte index of the label byte in the record
     * @return its number of values (10; or 20 and 100)
     */
    int labelLimit(int labelByte) {
        return labelLimits[labelByte];
    }

    /** @return bytes per record: label bytes plus 3,072 pixel bytes */
    public int recordBytes() {
        return labelBytes + PIXEL_BYTES;
    }

    /** @return the number of classes (10 or 100) */
    public int numClasses() {
        return classNames.size();
    }

    /** @return the class names, index = label */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Returns the file names of one split, in reading order.
     *
     * @param split training or test
     * @return file names relative to the data folder
     */
    public List<String> files(Split split) {
        return split == Split.TRAIN ? trainFiles : testFiles;
    }

    /**
     * Returns how many records one file of the official distribution holds (for error messages).
     *
     * @param split training or test
     * @return records per file in the official files
     */
    public int officialRecordsPerFile(Split split) {
        if (split == Split.TEST) {
            return 10_000;
        }
        return recordsPerTrainFile > 0 ? recordsPerTrainFile : 50_000;
    }

    /** @return the name of the folder the official archive extracts to */
    public String folderName() {
        return folderName;
    }

    /** @return the official download address of the binary version */
    public String url() {
        return url;
    }

    /** @return the published MD5 of the archive at {@link #url()} */
    public String md5() {
        return md5;
    }

    /** @return the archive's file name */
    public String archiveName() {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** @return the published per-channel statistics of the training set */
    public ChannelStats stats() {
        return this == CIFAR10 ? ChannelStats.CIFAR10 : ChannelStats.CIFAR100;
    }
}
