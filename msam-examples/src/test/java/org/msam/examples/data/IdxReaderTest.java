package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path tmp;

    /** @return an IDX file: magic, dimensions, data (big-endian), as the MNIST files are laid out */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    private static byte[] pixels(int n) {
        byte[] px = new byte[n * 28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 13);
        }
        return px;
    }

    @Test
    void readsPlainAndGzipFilesWhateverTheirNames() throws IOException {
        byte[] px = pixels(5);
        byte[] labels = {0, 9, 3, 3, 1};
        Files.write(tmp.resolve("train-images-idx3-ubyte"), idx(0x803, new int[] {5, 28, 28}, px));
        Files.write(tmp.resolve("train-labels-idx1-ubyte"), idx(0x801, new int[] {5}, labels));
        ImageDataset plain = FashionMnist.fromDirectory(tmp, Split.TRAIN);
        assertEquals(5, plain.size());
        assertEquals(1, plain.channels());
        assertEquals(28, plain.height());
        assertArrayEquals(new int[] {0, 9, 3, 3, 1}, plain.labels());
        assertEquals(px[2 * 784 + 5 * 28 + 7] & 0xFF, plain.pixel(2, 0, 5, 7));

        Path gz = tmp.resolve("gz");
        Files.createDirectories(gz);
        IdxWriter.writeDataset(plain, gz.resolve("t10k-images-idx3-ubyte.gz"), gz.resolve("t10k-labels-idx1-ubyte.gz"),
                true);
        ImageDataset back = Mnist.fromDirectory(gz, Split.TEST);
        assertArrayEquals(plain.labels(), back.labels());
        byte[] a = new byte[784];
        byte[] b = new byte[784];
        for (int i = 0; i < 5; i++) {
            plain.copyImage(i, a, 0);
            back.copyImage(i, b, 0);
            assertArrayEquals(a, b);
        }
        // gzip is recognised by content, not by name.
        Path renamed = tmp.resolve("renamed");
        Files.copy(gz.resolve("t10k-images-idx3-ubyte.gz"), renamed);
        assertEquals(5, IdxReader.read(renamed, 3).dims()[0]);
    }

    @Test
    void wrongMagicNumberIsExplained() throws IOException {
        Path f = tmp.resolve("images");
        Files.write(f, idx(0x801, new int[] {5}, new byte[5]));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(f, 3));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("magic number 0x00000801, expected 0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix:"), e.getMessage());
    }

    @Test
    void truncatedAndOverlongFilesAreRejected() throws IOException {
        Path f = tmp.resolve("images");
        byte[] good = idx(0x803, new int[] {3, 28, 28}, pixels(3));
        Files.write(f, Arrays.copyOf(good, good.length - 1));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(f, 3));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("2,352 data bytes, but only 2,351"), e.getMessage());

        Files.write(f, Arrays.copyOf(good, good.length + 4));
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(f, 3));
        assertTrue(e.getMessage().contains("data after the 2,352 bytes"), e.getMessage());

        Files.write(f, Arrays.copyOf(good, 6));
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(f, 3));
        assertTrue(e.getMessage().contains("16-byte header"), e.getMessage());

        e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(tmp.resolve("absent"), 1));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void imagesAndLabelsMustAgree() throws IOException {
        Files.write(tmp.resolve("i"), idx(0x803, new int[] {3, 28, 28}, pixels(3)));
        Files.write(tmp.resolve("l"), idx(0x801, new int[] {2}, new byte[2]));
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readDataset(tmp.resolve("i"), tmp.resolve("l"), FashionMnist.CLASS_NAMES));
        assertTrue(e.getMessage().contains("3 images but"), e.getMessage());
        Files.write(tmp.resolve("l"), idx(0x801, new int[] {3}, new byte[] {0, 10, 0}));
        e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readDataset(tmp.resolve("i"), tmp.resolve("l"), FashionMnist.CLASS_NAMES));
        assertTrue(e.getMessage().contains("label 10 of image 1"), e.getMessage());
    }
}
