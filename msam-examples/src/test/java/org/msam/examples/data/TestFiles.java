package org.msam.examples.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes small files in the exact binary layouts the readers expect. */
final class TestFiles {
    private TestFiles() {
    }

    /** Pixel value of record {@code r} at channel {@code c}, row {@code y}, column {@code x}: a known pattern. */
    static int pixel(int r, int c, int y, int x) {
        return (r * 31 + c * 101 + y * 7 + x * 3) & 0xFF;
    }

    /**
     * Builds CIFAR records: for CIFAR-10 one label byte, for CIFAR-100 a coarse byte (fine / 5) then the fine
     * byte; then the 3,072 pixel bytes of {@link #pixel}.
     */
    static byte[] cifarRecords(CifarVariant variant, int[] labels, int firstRecord) {
        int rb = variant.recordBytes();
        byte[] out = new byte[labels.length * rb];
        for (int i = 0; i < labels.length; i++) {
            int off = i * rb;
            if (variant == CifarVariant.CIFAR10) {
                out[off] = (byte) labels[i];
            } else {
                out[off] = (byte) (labels[i] / 5);
                out[off + 1] = (byte) labels[i];
            }
            int p = off + variant.labelBytes();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        out[p++] = (byte) pixel(firstRecord + i, c, y, x);
                    }
                }
            }
        }
        return out;
    }

    /** Labels {@code (start + i) % classes}. */
    static int[] cyclicLabels(int n, int start, int classes) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = (start + i) % classes;
        }
        return l;
    }

    /**
     * Writes all files of a variant into {@code dir}, {@code perFile} records each, labels cycling through the
     * classes; returns the labels of the training split in reading order.
     */
    static int[] writeCifar(Path dir, CifarVariant variant, int perFile) throws IOException {
        Files.createDirectories(dir);
        int k = variant.numClasses();
        int[] trainLabels = new int[perFile * variant.files(Split.TRAIN).size()];
        int record = 0;
        for (String name : variant.files(Split.TRAIN)) {
            int[] labels = cyclicLabels(perFile, record, k);
            System.arraycopy(labels, 0, trainLabels, record, perFile);
            Files.write(dir.resolve(name), cifarRecords(variant, labels, record));
            record += perFile;
        }
        for (String name : variant.files(Split.TEST)) {
            Files.write(dir.resolve(name), cifarRecords(variant, cyclicLabels(perFile, 3, k), 1000));
        }
        return trainLabels;
    }

    /** A tar.gz whose entries are the given files (name → content), directories first. */
    static byte[] tarGz(List<String> directories, Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (String d : directories) {
                TarArchiveEntry e = new TarArchiveEntry(d.endsWith("/") ? d : d + "/");
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A random data set of {@code n} images (labels cycling through the classes). */
    static ImageDataset randomDataset(int n, int channels, int height, int width, int classes, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * channels * height * width];
        r.nextBytes(px);
        String[] names = new String[classes];
        for (int i = 0; i < classes; i++) {
            names[i] = "c" + i;
        }
        return new ImageDataset(px, cyclicLabels(n, 0, classes), channels, height, width, Arrays.asList(names));
    }
}
