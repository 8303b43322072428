package org.msam.spark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** {@link Cifar10Files}: records across file boundaries, the layout of a record, and the errors on bad files. */
class Cifar10FilesTest {
    @TempDir
    Path dir;

    /** Record r of file f: label (f + r) % 10, pixel p = (f·31 + r·7 + p) % 256. */
    private void write(String name, int f, int records) throws IOException {
        byte[] b = new byte[records * Cifar10Files.RECORD];
        for (int r = 0; r < records; r++) {
            b[r * Cifar10Files.RECORD] = (byte) ((f + r) % 10);
            for (int p = 0; p < Cifar10Files.RECORD - 1; p++) {
                b[r * Cifar10Files.RECORD + 1 + p] = (byte) ((f * 31 + r * 7 + p) % 256);
            }
        }
        Files.write(dir.resolve(name), b);
    }

    @Test
    void readsRecordsAcrossFilesInBothLayouts() throws IOException {
        write("a.bin", 1, 3);
        write("b.bin", 2, 4);
        Cifar10Files files = Cifar10Files.open(dir.toFile(), Arrays.asList("a.bin", "b.bin"));
        assertEquals(7, files.size());
        DataSet flat = files.read(2, 3, true);
        DataSet image = files.read(2, 3, false);
        assertEquals(Arrays.toString(new long[] {3, 3072}), Arrays.toString(flat.getFeatures().shape()));
        assertEquals(Arrays.toString(new long[] {3, 3, 32, 32}), Arrays.toString(image.getFeatures().shape()));
        // records 2 of a.bin, then 0 and 1 of b.bin
        int[][] fileAndRecord = {{1, 2}, {2, 0}, {2, 1}};
        for (int i = 0; i < 3; i++) {
            int f = fileAndRecord[i][0];
            int r = fileAndRecord[i][1];
            assertEquals((f + r) % 10, flat.getLabels().getRow(i).argMax().getInt(0), "label of example " + i);
            assertEquals(1.0, flat.getLabels().getRow(i).sumNumber().doubleValue());
            for (int p : new int[] {0, 1, 1023, 1024, 2048, 3071}) {
                double expected = ((f * 31 + r * 7 + p) % 256) / 255.0;
                assertEquals(expected, flat.getFeatures().getDouble(i, p), 1e-7, "pixel " + p + " of example " + i);
                // channel-major planes: pixel p is channel p / 1024, row (p % 1024) / 32, column p % 32
                assertEquals(expected, image.getFeatures().getDouble(i, p / 1024, (p % 1024) / 32, p % 32), 1e-7);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> files.read(5, 3, true));
    }

    @Test
    void aMissingFileNamesTheDataOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cifar10Files.open(dir.toFile(), Arrays.asList("data_batch_1.bin")));
        assertTrue(e.getMessage().startsWith("No file " + dir.resolve("data_batch_1.bin") + ": give --data the "
                + "directory of the CIFAR-10 binary version"), e.getMessage());
    }

    @Test
    void aFileOfPartRecordsIsRefused() throws IOException {
        Files.write(dir.resolve("x.bin"), new byte[Cifar10Files.RECORD + 5]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cifar10Files.open(dir.toFile(), Arrays.asList("x.bin")));
        assertTrue(e.getMessage().endsWith("is not a CIFAR-10 binary file: its 3078 bytes are not a whole number of "
                + "3073-byte records."), e.getMessage());
    }
}
