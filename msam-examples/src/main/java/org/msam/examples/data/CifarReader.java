package org.msam.examples.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the binary version of CIFAR-10 and CIFAR-100 into an {@link ImageDataset}, in plain Java.
 *
 * <p>Every file is checked before it is used: it must exist, its size must be a whole, non-zero number of
 * records ({@link CifarVariant#recordBytes()}) and every label byte must be in range. A failed check raises a
 * {@link DatasetFormatException} that names the file, says what was expected and how to fix it.
 *
 * <pre>{@code
 * ImageDataset train = CifarReader.read(Paths.get("data/cifar-10-batches-bin"), CifarVariant.CIFAR10, Split.TRAIN);
 * }</pre>
 */
public final class CifarReader {
    private static final int RECORDS_PER_CHUNK = 1_000;

    private CifarReader() {
    }

    /**
     * Reads one split.
     *
     * @param dir     the folder holding the {@code .bin} files, or its parent (which then holds
     *                {@link CifarVariant#folderName()})
     * @param variant CIFAR-10 or CIFAR-100
     * @param split   training or test
     * @return the images and labels, in file order
     * @throws DatasetFormatException if a file is missing, truncated or malformed
     * @throws IOException            if reading fails
     */
    public static ImageDataset read(Path dir, CifarVariant variant, Split split) throws IOException {
        return read(dir, variant, split, defaultFix(variant));
    }

    /**
     * Reads one split; every error message ends with {@code fix}, the advice that fits where the files came from.
     *
     * @param dir     the folder holding the {@code .bin} files, or its parent
     * @param variant CIFAR-10 or CIFAR-100
     * @param split   training or test
     * @param fix     the advice appended to every error message (starting with "Fix:")
     * @return the images and labels, in file order
     * @throws DatasetFormatException if a file is missing, truncated or malformed
     * @throws IOException            if reading fails
     */
    public static ImageDataset read(Path dir, CifarVariant variant, Split split, String fix) throws IOException {
        Path folder = resolveFolder(dir, variant, fix);
        List<String> names = variant.files(split);
        long[] records = new long[names.size()];
        long total = 0;
        for (int f = 0; f < names.size(); f++) {
            records[f] = checkSize(folder.resolve(names.get(f)), variant, split, fix);
            total += records[f];
        }
        if (total * CifarVariant.PIXEL_BYTES > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(String.format(Locale.ROOT,
                    "%s %s split in %s has %,d records, more than fit in memory as one array.",
                    variant.displayName(), split, folder, total));
        }
        byte[] pixels = new byte[(int) total * CifarVariant.PIXEL_BYTES];
        int[] labels = new int[(int) total];
        int at = 0;
        for (int f = 0; f < names.size(); f++) {
            readFile(folder.resolve(names.get(f)), variant, (int) records[f], pixels, labels, at, fix);
            at += (int) records[f];
        }
        return new ImageDataset(pixels, labels, CifarVariant.CHANNELS, CifarVariant.SIZE, CifarVariant.SIZE,
                variant.classNames());
    }

    /**
     * Finds the folder that holds the files: {@code dir} itself, or {@code dir/<folderName>}.
     *
     * @param dir     the folder given by the user
     * @param variant CIFAR-10 or CIFAR-100
     * @return the folder with the {@code .bin} files
     * @throws DatasetFormatException if neither holds the first training file
     */
    public static Path resolveFolder(Path dir, CifarVariant variant) throws DatasetFormatException {
        return resolveFolder(dir, variant, defaultFix(variant));
    }

    /**
     * Finds the folder that holds the files: {@code dir} itself, or {@code dir/<folderName>}.
     *
     * @param dir     the folder given by the user
     * @param variant CIFAR-10 or CIFAR-100
     * @param fix     the advice appended to the error message
     * @return the folder with the {@code .bin} files
     * @throws DatasetFormatException if neither holds the first training file
     */
    public static Path resolveFolder(Path dir, CifarVariant variant, String fix) throws DatasetFormatException {
        String probe = variant.files(Split.TRAIN).get(0);
        if (Files.isRegularFile(dir.resolve(probe))) {
            return dir;
        }
        Path nested = dir.resolve(variant.folderName());
        if (Files.isRegularFile(nested.resolve(probe))) {
            return nested;
        }
        throw new DatasetFormatException(String.format(Locale.ROOT,
                "%s file not found: %s (nor %s). Expected the binary version of %s: files %s and %s, "
                        + "records of %,d bytes (%d label byte(s) + %,d pixel bytes). "
                        + "The Python and MATLAB versions cannot be read. %s",
                variant.displayName(), dir.resolve(probe), nested.resolve(probe), variant.displayName(),
                variant.files(Split.TRAIN), variant.files(Split.TEST), variant.recordBytes(), variant.labelBytes(),
                CifarVariant.PIXEL_BYTES, fix));
    }

    private static long checkSize(Path file, CifarVariant variant, Split split, String fix) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException(String.format(Locale.ROOT,
                    "%s file not found: %s. Expected %s with %,d records of %,d bytes. %s",
                    variant.displayName(), file, file.getFileName(), variant.officialRecordsPerFile(split),
                    variant.recordBytes(), fix), e);
        }
        long official = (long) variant.officialRecordsPerFile(split) * variant.recordBytes();
        if (size == 0 || size % variant.recordBytes() != 0) {
            String hint = "";
            CifarVariant other = variant == CifarVariant.CIFAR10 ? CifarVariant.CIFAR100 : CifarVariant.CIFAR10;
            if (size > 0 && size % other.recordBytes() == 0) {
                hint = String.format(Locale.ROOT, " Its size fits %s records (%,d bytes): is this a %s file?",
                        other.displayName(), other.recordBytes(), other.displayName());
            }
            throw new DatasetFormatException(String.format(Locale.ROOT,
                    "%s file %s is truncated or not in the binary format: its size, %,d bytes, is not a "
                            + "whole number of %,d-byte records (%d label byte(s) + %,d pixel bytes; the official "
                            + "file has %,d records = %,d bytes).%s %s",
                    variant.displayName(), file, size, variant.recordBytes(), variant.labelBytes(),
                    CifarVariant.PIXEL_BYTES, variant.officialRecordsPerFile(split), official, hint, fix));
        }
        return size / variant.recordBytes();
    }

    private static void readFile(Path file, CifarVariant variant, int records, byte[] pixels, int[] labels, int at,
            String fix) throws IOException {
        int recordBytes = variant.recordBytes();
        byte[] chunk = new byte[RECORDS_PER_CHUNK * recordBytes];
        try (InputStream in = Files.newInputStream(file)) {
            int done = 0;
            while (done < records) {
                int n = Math.min(RECORDS_PER_CHUNK, records - done);
                int len = n * recordBytes;
                int got = in.readNBytes(chunk, 0, len);
                if (got != len) {
                    throw new DatasetFormatException(String.format(Locale.ROOT,
                            "%s file %s ended early: expected %,d records of %,d bytes, read %,d bytes. %s",
                            variant.displayName(), file, records, recordBytes, (long) done * recordBytes + got,
                            fix));
                }
                for (int r = 0; r < n; r++) {
                    int off = r * recordBytes;
                    int record = done + r;
                    for (int b = 0; b < variant.labelBytes(); b++) {
                        int value = chunk[off + b] & 0xFF;
                        if (value >= variant.labelLimit(b)) {
                            throw new DatasetFormatException(String.format(Locale.ROOT,
                                    "%s file %s: record %,d (byte offset %,d) has label %d at label byte %d, "
                                            + "outside [0, %d). Expected records of %,d bytes (%d label byte(s) "
                                            + "+ %,d pixel bytes): the file is corrupt or of another format. %s",
                                    variant.displayName(), file, record, (long) record * recordBytes + b, value, b,
                                    variant.labelLimit(b), recordBytes, variant.labelBytes(),
                                    CifarVariant.PIXEL_BYTES, fix));
                        }
                    }
                    labels[at + record] = chunk[off + variant.labelIndex()] & 0xFF;
                    System.arraycopy(chunk, off + variant.labelBytes(), pixels,
                            (at + record) * CifarVariant.PIXEL_BYTES, CifarVariant.PIXEL_BYTES);
                }
                done += n;
            }
        }
    }

    private static String defaultFix(CifarVariant variant) {
        return "Fix: replace the files with intact copies of the official binary version (" + variant.url() + ").";
    }

    /**
     * Compares the files' record counts with the official files' (which are known): a file cut at a record
     * boundary is readable, but holds fewer images than the data set.
     *
     * @param dir     the folder holding the files (or its parent)
     * @param variant CIFAR-10 or CIFAR-100
     * @param split   training or test
     * @return one sentence per file whose record count differs from the official one (empty when all match)
     * @throws IOException if the folder or a file cannot be read
     */
    public static List<String> unofficialCounts(Path dir, CifarVariant variant, Split split) throws IOException {
        Path folder = resolveFolder(dir, variant);
        List<String> out = new ArrayList<>();
        for (Path file : filesOf(folder, variant, split)) {
            long records = Files.size(file) / variant.recordBytes();
            if (records != variant.officialRecordsPerFile(split)) {
                out.add(String.format(Locale.ROOT, "%s file %s holds %,d records, the official file %,d: it is "
                        + "read as it is.", variant.displayName(), file, records, variant.officialRecordsPerFile(split)));
            }
        }
        return out;
    }

    /**
     * Lists the files a split needs, resolved against a folder (used by callers that check for presence).
     *
     * @param folder  folder holding the files
     * @param variant CIFAR-10 or CIFAR-100
     * @param split   training or test
     * @return the paths
     */
    public static List<Path> filesOf(Path folder, CifarVariant variant, Split split) {
        List<Path> out = new ArrayList<>();
        for (String name : variant.files(split)) {
            out.add(folder.resolve(name));
        }
        return out;
    }
}
