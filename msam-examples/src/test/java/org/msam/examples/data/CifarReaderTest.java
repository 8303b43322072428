package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsCifar10InFileOrderWithPlanarPixels() throws IOException {
        int[] labels = TestFiles.writeCifar(tmp, CifarVariant.CIFAR10, 7);
        ImageDataset train = CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TRAIN);
        assertEquals(35, train.size());
        assertEquals(10, train.numClasses());
        assertArrayEquals(labels, train.labels());
        for (int r : new int[] {0, 6, 7, 34}) {
            for (int c = 0; c < 3; c++) {
                assertEquals(TestFiles.pixel(r, c, 0, 0), train.pixel(r, c, 0, 0));
                assertEquals(TestFiles.pixel(r, c, 31, 5), train.pixel(r, c, 31, 5));
                assertEquals(TestFiles.pixel(r, c, 12, 31), train.pixel(r, c, 12, 31));
            }
        }
        ImageDataset test = CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TEST);
        assertEquals(7, test.size());
        assertEquals(3, test.label(0));
        assertEquals(TestFiles.pixel(1000, 2, 4, 9), test.pixel(0, 2, 4, 9));
        assertEquals("airplane", train.classNames().get(0));
    }

    @Test
    void readsCifar100FineLabels() throws IOException {
        Path dir = tmp.resolve("cifar-100-binary");
        TestFiles.writeCifar(dir, CifarVariant.CIFAR100, 120);
        // The parent folder works as well as the data folder itself.
        ImageDataset train = CifarReader.read(tmp, CifarVariant.CIFAR100, Split.TRAIN);
        assertEquals(120, train.size());
        assertEquals(100, train.numClasses());
        for (int i = 0; i < 120; i++) {
            assertEquals(i % 100, train.label(i), "fine label, not the coarse one");
        }
        assertEquals(TestFiles.pixel(99, 1, 20, 30), train.pixel(99, 1, 20, 30));
        assertEquals("worm", train.classNames().get(99));
    }

    @Test
    void missingFileNamesItTheLayoutAndTheFix() throws IOException {
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TRAIN));
        assertTrue(e.getMessage().contains("data_batch_1.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("3,073 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix: replace the files with intact copies"), e.getMessage());

        TestFiles.writeCifar(tmp, CifarVariant.CIFAR10, 2);
        Files.delete(tmp.resolve("data_batch_4.bin"));
        DatasetFormatException e2 = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TRAIN));
        assertTrue(e2.getMessage().contains(tmp.resolve("data_batch_4.bin").toString()), e2.getMessage());
        assertTrue(e2.getMessage().contains("10,000 records of 3,073 bytes"), e2.getMessage());
    }

    @Test
    void truncatedFileIsRejectedWithSizesAndRemedy() throws IOException {
        TestFiles.writeCifar(tmp, CifarVariant.CIFAR10, 3);
        Path f = tmp.resolve("data_batch_2.bin");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 100));
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TRAIN));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), m);
        assertTrue(m.contains("9,119 bytes"), m);
        assertTrue(m.contains("3,073-byte records"), m);
        assertTrue(m.contains("10,000 records = 30,730,000 bytes"), m);
        assertTrue(m.contains("Fix: replace the files with intact copies"), m);
        assertFalse(m.contains("delete"), m);

        Files.write(f, new byte[0]);
        assertThrows(DatasetFormatException.class, () -> CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TRAIN));
    }

    @Test
    void wrongVariantIsRecognised() throws IOException {
        // 3,073 CIFAR-100 records are also a whole number of CIFAR-10 records: not the case for small files.
        Files.write(tmp.resolve("train.bin"), TestFiles.cifarRecords(CifarVariant.CIFAR10, new int[] {1, 2, 3}, 0));
        Files.write(tmp.resolve("test.bin"), TestFiles.cifarRecords(CifarVariant.CIFAR10, new int[] {1}, 0));
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(tmp, CifarVariant.CIFAR100, Split.TRAIN));
        assertTrue(e.getMessage().contains("is this a CIFAR-10 file?"), e.getMessage());
        assertTrue(e.getMessage().contains("3,074-byte records"), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsRejected() throws IOException {
        TestFiles.writeCifar(tmp, CifarVariant.CIFAR10, 4);
        Path f = tmp.resolve("test_batch.bin");
        byte[] all = Files.readAllBytes(f);
        all[2 * CifarVariant.CIFAR10.recordBytes()] = 10;
        Files.write(f, all);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(tmp, CifarVariant.CIFAR10, Split.TEST));
        assertTrue(e.getMessage().contains("record 2 "), e.getMessage());
        assertTrue(e.getMessage().contains("label 10"), e.getMessage());
        assertTrue(e.getMessage().contains("outside [0, 10)"), e.getMessage());

        Path dir100 = tmp.resolve("c100");
        TestFiles.writeCifar(dir100, CifarVariant.CIFAR100, 3);
        Path t = dir100.resolve("train.bin");
        byte[] b = Files.readAllBytes(t);
        b[0] = 20; // coarse label out of range
        Files.write(t, b);
        DatasetFormatException e2 = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(dir100, CifarVariant.CIFAR100, Split.TRAIN));
        assertTrue(e2.getMessage().contains("outside [0, 20)"), e2.getMessage());
    }

    @Test
    void cifarFacadeReadsAGivenFolderAndDoesNotDownloadWhenToldNot() throws IOException {
        TestFiles.writeCifar(tmp.resolve("data"), CifarVariant.CIFAR10, 2);
        assertEquals(10, Cifar.load(CifarVariant.CIFAR10, Split.TRAIN, tmp.resolve("data"), tmp, false).size());
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> Cifar.locate(CifarVariant.CIFAR100, null, tmp.resolve("cache"), false));
        assertTrue(e.getMessage().contains("cifar-100-binary"), e.getMessage());
    }
}
