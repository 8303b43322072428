package org.msam.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST ({@code *-idx3-ubyte} images, {@code *-idx1-ubyte} labels),
 * plain or gzip-compressed (recognised by the gzip magic bytes, whatever the file name).
 *
 * <p>An IDX file is a 4-byte magic number {@code 0x0000TTDD} (type {@code TT = 0x08} for unsigned bytes,
 * {@code DD} dimensions), then {@code DD} big-endian 32-bit sizes, then the data, row-major. Images are
 * {@code 0x00000803} (count, rows, columns); labels {@code 0x00000801} (count). The reader checks the magic
 * number, that the data is exactly as long as the sizes say, and that images and labels agree.
 */
public final class IdxReader {
    /** Magic number of an unsigned-byte IDX file with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte IDX file with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** An IDX array: its sizes and its bytes. */
    public static final class IdxArray {
        private final int[] dims;
        private final byte[] data;

        IdxArray(int[] dims, byte[] data) {
            this.dims = dims;
            this.data = data;
        }

        /** @return the sizes of each dimension (a copy) */
        public int[] dims() {
            return dims.clone();
        }

        /** @return the data, row-major (not copied: do not modify) */
        public byte[] data() {
            return data;
        }
    }

    /**
     * Reads an IDX file of unsigned bytes with the given number of dimensions.
     *
     * @param file          the file, plain or gzip-compressed
     * @param dimensions    expected number of dimensions (3 for images, 1 for labels)
     * @return the sizes and data
     * @throws DatasetFormatException if the file is missing, truncated or has the wrong magic number
     * @throws IOException            if reading fails
     */
    public static IdxArray read(Path file, int dimensions) throws IOException {
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException("IDX file not found: " + file + ". Expected an IDX file with magic number "
                    + hexMagic(0x800 | dimensions) + ". Fix: pass --data-dir pointing to the folder with the "
                    + "MNIST/Fashion-MNIST files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                    + "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).", e);
        }
        try (InputStream in = raw) {
            return read(in, file.toString(), dimensions);
        }
    }

    /**
     * Reads an IDX array from a stream (plain or gzip-compressed), for example a class-path resource.
     *
     * @param stream     the stream; it is read to its end but not closed
     * @param name       the name used in error messages
     * @param dimensions expected number of dimensions
     * @return the sizes and data
     * @throws DatasetFormatException if the data is truncated, too long or has the wrong magic number
     * @throws IOException            if reading fails
     */
    public static IdxArray read(InputStream stream, String name, int dimensions) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(stream, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16))
                : buffered;
        DataInputStream data = new DataInputStream(in);
        int expectedMagic = 0x800 | dimensions;
        String fix = " Fix: delete the file and get the original again, or pass --data-dir pointing to a folder "
                + "with intact files.";
        int magic;
        int[] dims = new int[dimensions];
        try {
            magic = data.readInt();
            if (magic != expectedMagic) {
                throw new DatasetFormatException(String.format(Locale.ROOT,
                        "%s is not an IDX file of %d-dimensional unsigned bytes: magic number %s, expected %s "
                                + "(%s).%s", name, dimensions, hexMagic(magic), hexMagic(expectedMagic),
                        dimensions == 3 ? "images: count, rows, columns" : "labels: count", fix));
            }
            for (int d = 0; d < dimensions; d++) {
                dims[d] = data.readInt();
                if (dims[d] < 0) {
                    throw new DatasetFormatException(name + ": negative size " + dims[d] + " in dimension " + d
                            + "." + fix);
                }
            }
        } catch (EOFException e) {
            throw new DatasetFormatException(name + " is truncated: it ends inside its " + (4 + 4 * dimensions)
                    + "-byte header (magic number " + hexMagic(expectedMagic) + " and " + dimensions
                    + " sizes)." + fix, e);
        }
        long size = 1;
        for (int d : dims) {
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(name + ": " + size + " bytes of data do not fit in one array." + fix);
        }
        byte[] bytes = new byte[(int) size];
        int got;
        try {
            got = data.readNBytes(bytes, 0, bytes.length);
        } catch (java.util.zip.ZipException | EOFException e) {
            throw new DatasetFormatException(name + " is damaged: its gzip data cannot be read to the end ("
                    + e.getMessage() + "); the file was probably cut short." + fix, e);
        }
        if (got != bytes.length) {
            throw new DatasetFormatException(String.format(Locale.ROOT,
                    "%s is truncated: its header announces %s = %,d data bytes, but only %,d follow.%s", name,
                    java.util.Arrays.toString(dims), size, got, fix));
        }
        int next;
        try {
            next = data.read();
        } catch (java.util.zip.ZipException | EOFException e) {
            throw new DatasetFormatException(name + " is damaged: its gzip data cannot be read to the end ("
                    + e.getMessage() + "); the file was probably cut short." + fix, e);
        }
        if (next != -1) {
            throw new DatasetFormatException(String.format(Locale.ROOT,
                    "%s has data after the %,d bytes its header %s announces: wrong or corrupt file.%s", name, size,
                    java.util.Arrays.toString(dims), fix));
        }
        return new IdxArray(dims, bytes);
    }

    /**
     * Reads an image file and its label file into a data set.
     *
     * @param images     {@code *-idx3-ubyte[.gz]}
     * @param labels     {@code *-idx1-ubyte[.gz]}
     * @param classNames class names; labels must be below their count
     * @return the images (1 channel)
     * @throws DatasetFormatException if a file is malformed, the counts differ or a label is out of range
     * @throws IOException            if reading fails
     */
    public static ImageDataset readDataset(Path images, Path labels, List<String> classNames) throws IOException {
        return toDataset(read(images, 3), images.toString(), read(labels, 1), labels.toString(), classNames);
    }

    /**
     * Combines image and label arrays into a data set, checking that they agree.
     *
     * @param images     a 3-dimensional IDX array
     * @param imagesName its name, for error messages
     * @param labels     a 1-dimensional IDX array
     * @param labelsName its name, for error messages
     * @param classNames class names
     * @return the data set
     * @throws DatasetFormatException if the counts differ or a label is out of range
     */
    static ImageDataset toDataset(IdxArray images, String imagesName, IdxArray labels, String labelsName,
            List<String> classNames) throws DatasetFormatException {
        int n = images.dims[0];
        if (labels.dims[0] != n) {
            throw new DatasetFormatException(String.format(Locale.ROOT,
                    "%s holds %,d images but %s holds %,d labels: the files do not belong together. Fix: use the "
                            + "image and label files of the same split.", imagesName, n, labelsName, labels.dims[0]));
        }
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = labels.data[i] & 0xFF;
            if (l[i] >= classNames.size()) {
                throw new DatasetFormatException(String.format(Locale.ROOT,
                        "%s: label %d of image %,d is outside [0, %d): corrupt file. Fix: delete the file and get "
                                + "the original again.", labelsName, l[i], i, classNames.size()));
            }
        }
        return new ImageDataset(images.data, l, 1, images.dims[1], images.dims[2], classNames);
    }

    private static String hexMagic(int magic) {
        return String.format(Locale.ROOT, "0x%08X", magic);
    }
}
