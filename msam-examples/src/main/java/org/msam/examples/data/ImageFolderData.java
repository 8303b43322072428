package org.msam.examples.data;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.BaseImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.datavec.image.transform.ImageTransform;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Builds DL4J iterators over ImageNet-style folders ({@code root/<class>/*.JPEG}, one sub-folder per class)
 * with DataVec's {@link ImageRecordReader}, {@link ParentPathLabelGenerator} and
 * {@link RecordReaderDataSetIterator}. Classes are the sub-folder names in sorted order.
 *
 * <ul>
 *   <li>Training: file order shuffled by a {@link Random} seeded with {@code seed} (and shuffled again, from
 *       the same generator, at each reset), {@link RandomResizedCropTransform} with flip, whose
 *       {@link Random} is seeded with {@code seed + 1}.</li>
 *   <li>Validation: sorted file order, {@link ResizeCenterCropTransform} (resize to {@code size / 0.875},
 *       centre crop).</li>
 * </ul>
 * Features are float32 NCHW {@code [b, 3, size, size]} in RGB order, normalised with
 * {@link ChannelStats#IMAGENET} unless other statistics are given; labels are one-hot. Decoding uses
 * OpenCV's native library (through JavaCPP).
 *
 * <pre>{@code
 * DataSetIterator train = ImageFolderData.train(Paths.get("imagenet/train"), 224, 64, 42, ChannelStats.IMAGENET);
 * DataSetIterator val = ImageFolderData.validation(Paths.get("imagenet/val"), 224, 64, ChannelStats.IMAGENET,
 *         ImageFolderData.classes(Paths.get("imagenet/train")));
 * }</pre>
 */
public final class ImageFolderData {
    private ImageFolderData() {
    }

    /**
     * Builds the training iterator.
     *
     * @param dir       folder with one sub-folder per class
     * @param size      output side in pixels (224 for ImageNet)
     * @param batchSize examples per batch
     * @param seed      seed of the file order and of the augmentation
     * @param stats     normalisation statistics (RGB)
     * @return the iterator
     * @throws IOException if the folder is missing or holds no images
     */
    public static DataSetIterator train(Path dir, int size, int batchSize, long seed, ChannelStats stats)
            throws IOException {
        ImageTransform crop = new RandomResizedCropTransform(new Random(seed + 1), size,
                RandomResizedCropTransform.DEFAULT_MIN_SCALE, true);
        return build(dir, size, batchSize, crop, new Random(seed), stats, null);
    }

    /**
     * Builds the validation iterator.
     *
     * @param dir             folder with one sub-folder per class
     * @param size            output side in pixels (224 for ImageNet)
     * @param batchSize       examples per batch
     * @param stats           normalisation statistics (RGB)
     * @param expectedClasses the training classes, which the validation folder must match (null: no check)
     * @return the iterator
     * @throws IOException if the folder is missing, holds no images, or its classes differ
     */
    public static DataSetIterator validation(Path dir, int size, int batchSize, ChannelStats stats,
            List<String> expectedClasses) throws IOException {
        ImageTransform crop = new ResizeCenterCropTransform(size, ResizeCenterCropTransform.DEFAULT_CROP_FRACTION);
        return build(dir, size, batchSize, crop, null, stats, expectedClasses);
    }

    /**
     * Lists the classes of a folder: its sub-folder names, sorted (the label order of the iterators).
     *
     * @param dir folder with one sub-folder per class
     * @return class names
     * @throws IOException if the folder cannot be read
     */
    public static List<String> classes(Path dir) throws IOException {
        checkFolder(dir);
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
                    .collect(java.util.stream.Collectors.toList());
        }
    }

    private static DataSetIterator build(Path dir, int size, int batchSize, ImageTransform transform, Random order,
            ChannelStats stats, List<String> expectedClasses) throws IOException {
        checkFolder(dir);
        List<String> classes = classes(dir);
        if (classes.isEmpty()) {
            throw new DatasetFormatException("No class folders in " + dir + ": expected " + dir
                    + "/<class>/<image>.JPEG. Fix: pass the train or val folder of an ImageNet-style data set.");
        }
        if (expectedClasses != null && !expectedClasses.equals(classes)) {
            List<String> missing = new java.util.ArrayList<>(expectedClasses);
            missing.removeAll(classes);
            List<String> extra = new java.util.ArrayList<>(classes);
            extra.removeAll(expectedClasses);
            throw new DatasetFormatException("The class folders of " + dir + " differ from the training classes: "
                    + (missing.isEmpty() ? "" : "missing " + shortList(missing) + (extra.isEmpty() ? "" : "; "))
                    + (extra.isEmpty() ? "" : "not among the training classes " + shortList(extra))
                    + ". Labels would not match. Fix: give both folders the same class sub-folders.");
        }
        FileSplit split = order == null
                ? new FileSplit(dir.toFile(), BaseImageLoader.ALLOWED_FORMATS)
                : new FileSplit(dir.toFile(), BaseImageLoader.ALLOWED_FORMATS, order);
        if (split.length() == 0) {
            throw new DatasetFormatException("No images in " + dir + ": expected files with extensions "
                    + String.join(", ", BaseImageLoader.ALLOWED_FORMATS) + " in " + dir + File.separator
                    + "<class>" + File.separator + ".");
        }
        ImageRecordReader reader = new NamingImageRecordReader(size, size, transform);
        reader.initialize(split);
        return new RecordReaderDataSetIterator.Builder(reader, batchSize)
                .classification(1, classes.size())
                .preProcessor(new ImageNormalizer(stats))
                .build();
    }

    /**
     * Counts the images the iterators of a folder read, without decoding them.
     *
     * @param dir folder with one sub-folder per class
     * @return the number of image files
     * @throws IOException if the folder is missing
     */
    public static long count(Path dir) throws IOException {
        checkFolder(dir);
        return new FileSplit(dir.toFile(), BaseImageLoader.ALLOWED_FORMATS).length();
    }

    /** An {@link ImageRecordReader} that reads one image at a time and whose errors name the file it could not read. */
    private static final class NamingImageRecordReader extends ImageRecordReader {
        private static final long serialVersionUID = 1L;

        NamingImageRecordReader(int size, int unusedSize, ImageTransform transform) {
            super(size, size, 3, new ParentPathLabelGenerator(), transform);
        }

        @Override
        public List<org.datavec.api.writable.Writable> next() {
            try {
                return super.next();
            } catch (RuntimeException e) {
                throw named(e);
            }
        }

        /** One image at a time, so that a failure names its file (the batched read cannot tell which one failed). */
        @Override
        public boolean batchesSupported() {
            return false;
        }

        private RuntimeException named(RuntimeException e) {
            if (currentFile == null) {
                return e;
            }
            return new IllegalStateException("Cannot decode the image " + currentFile.getAbsolutePath() + " ("
                    + e.getMessage() + "). Fix: replace or remove that file in --data-dir (it is not an image in a "
                    + "format OpenCV reads, or it is damaged).", e);
        }
    }

    /** @return the first names of a list, and how many more */
    private static String shortList(List<String> names) {
        int shown = Math.min(5, names.size());
        return String.join(", ", names.subList(0, shown))
                + (names.size() > shown ? " and " + (names.size() - shown) + " more" : "");
    }

    private static void checkFolder(Path dir) throws DatasetFormatException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetFormatException("Image folder not found: " + dir + ". Expected " + dir
                    + "/<class>/<image>.JPEG. Fix: pass --data-dir pointing to the folder that holds train/ and val/.");
        }
    }
}
