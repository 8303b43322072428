package org.msam.examples.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes unsigned-byte IDX files (the MNIST format), optionally gzip-compressed at the best compression
 * level. The gzip header carries no time stamp or file name, so the same data gives the same bytes.
 */
public final class IdxWriter {
    private IdxWriter() {
    }

    /**
     * Writes an IDX file.
     *
     * @param file where to write (replaced if it exists)
     * @param dims sizes of each dimension; their product must equal {@code data.length}
     * @param data the bytes, row-major
     * @param gzip whether to gzip-compress the file
     * @throws IOException if writing fails
     */
    public static void write(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        long size = 1;
        for (int d : dims) {
            size *= d;
        }
        if (size != data.length) {
            throw new IllegalArgumentException("Sizes " + java.util.Arrays.toString(dims) + " need " + size
                    + " bytes, got " + data.length);
        }
        try (OutputStream file0 = Files.newOutputStream(file);
                OutputStream maybeGzip = gzip ? new BestGzipOutputStream(file0) : file0;
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(maybeGzip, 1 << 16))) {
            out.writeInt(0x800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    /**
     * Writes a data set of one-channel images as an image file and a label file.
     *
     * @param data   the images (must have 1 channel)
     * @param images the {@code idx3-ubyte} file to write
     * @param labels the {@code idx1-ubyte} file to write
     * @param gzip   whether to gzip-compress both
     * @throws IOException if writing fails
     */
    public static void writeDataset(ImageDataset data, Path images, Path labels, boolean gzip) throws IOException {
        if (data.channels() != 1) {
            throw new IllegalArgumentException("IDX image files hold one channel, got " + data.channels());
        }
        write(images, new int[] {data.size(), data.height(), data.width()}, data.pixelArray(), gzip);
        int[] l = data.labels();
        byte[] lb = new byte[l.length];
        for (int i = 0; i < l.length; i++) {
            lb[i] = (byte) l[i];
        }
        write(labels, new int[] {l.length}, lb, gzip);
    }

    private static final class BestGzipOutputStream extends GZIPOutputStream {
        BestGzipOutputStream(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }
}
