package org.msam.spark.examples;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CIFAR-10 in its binary version ({@code data_batch_1.bin} … {@code test_batch.bin}: records of one label byte and
 * 3072 pixel bytes, the red, green and blue 32×32 planes), read by record ranges so that each executor reads the
 * mini-batches it is given straight from the files. The files must be at the same path on every machine of the
 * cluster (a shared file system, or a copy on each).
 */
public final class Cifar10Files implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Bytes of one record: the label and 3×32×32 pixels. */
    public static final int RECORD = 1 + 3 * 32 * 32;
    /** The number of classes. */
    public static final int CLASSES = 10;

    private final List<String> paths;
    private final List<Long> records;
    private final long total;

    private Cifar10Files(List<String> paths, List<Long> records) {
        this.paths = paths;
        this.records = records;
        long n = 0;
        for (long r : records) {
            n += r;
        }
        this.total = n;
    }

    /**
     * @param dir   the directory holding the files
     * @param names the file names, in the order their records are numbered
     * @return the files, checked to exist and to hold whole records
     * @throws IllegalArgumentException naming the file and the {@code --data} option if one is missing or not CIFAR-10
     *     binary
     */
    public static Cifar10Files open(File dir, List<String> names) {
        List<String> paths = new ArrayList<>();
        List<Long> records = new ArrayList<>();
        for (String name : names) {
            File f = new File(dir, name);
            if (!f.isFile()) {
                throw new IllegalArgumentException("No file " + f + ": give --data the directory of the CIFAR-10 "
                        + "binary version (cifar-10-batches-bin, with data_batch_1.bin … test_batch.bin), at the "
                        + "same path on every executor.");
            }
            if (f.length() == 0 || f.length() % RECORD != 0) {
                throw new IllegalArgumentException(f + " is not a CIFAR-10 binary file: its " + f.length()
                        + " bytes are not a whole number of " + RECORD + "-byte records.");
            }
            paths.add(f.getAbsolutePath());
            records.add(f.length() / RECORD);
        }
        return new Cifar10Files(Collections.unmodifiableList(paths), Collections.unmodifiableList(records));
    }

    /** @return the number of records in all the files */
    public long size() {
        return total;
    }

    /**
     * @param first the first record (over all the files, in order)
     * @param count the number of records
     * @param flat  true: features of shape [count, 3072]; false: [count, 3, 32, 32]
     * @return the records as features scaled to [0, 1] and one-hot labels
     */
    public DataSet read(long first, int count, boolean flat) {
        if (first < 0 || count <= 0 || first + count > total) {
            throw new IllegalArgumentException("records " + first + " to " + (first + count) + " of " + total);
        }
        byte[] buf = new byte[count * RECORD];
        int filled = 0;
        long start = first;
        for (int i = 0; i < paths.size() && filled < buf.length; i++) {
            long n = records.get(i);
            if (start >= n) {
                start -= n;
                continue;
            }
            int take = (int) Math.min(n - start, (buf.length - filled) / RECORD) * RECORD;
            try (RandomAccessFile raf = new RandomAccessFile(paths.get(i), "r")) {
                raf.seek(start * RECORD);
                raf.readFully(buf, filled, take);
            } catch (IOException e) {
                throw new UncheckedIOException("Reading " + paths.get(i), e);
            }
            filled += take;
            start = 0;
        }
        float[] x = new float[count * (RECORD - 1)];
        float[] y = new float[count * CLASSES];
        for (int r = 0; r < count; r++) {
            int label = buf[r * RECORD] & 0xff;
            if (label >= CLASSES) {
                throw new IllegalStateException("record " + (first + r) + " has label " + label
                        + ": not CIFAR-10 binary");
            }
            y[r * CLASSES + label] = 1f;
            for (int p = 0; p < RECORD - 1; p++) {
                x[r * (RECORD - 1) + p] = (buf[r * RECORD + 1 + p] & 0xff) / 255f;
            }
        }
        INDArray features = Nd4j.create(x, flat ? new long[] {count, RECORD - 1} : new long[] {count, 3, 32, 32},
                DataType.FLOAT);
        return new DataSet(features, Nd4j.create(y, new long[] {count, CLASSES}, DataType.FLOAT));
    }
}
