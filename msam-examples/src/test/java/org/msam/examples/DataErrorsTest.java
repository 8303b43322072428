package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.MainTest.Run;
import org.msam.examples.data.ChannelStats;
import org.msam.examples.data.DatasetFormatException;
import org.msam.examples.data.IdxReader;
import org.msam.examples.data.IdxWriter;
import org.msam.examples.data.ImageFolderData;

/** Data errors name the file or the option and the fix. */
class DataErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aTruncatedGzipIdxFileIsNamed() throws Exception {
        Path f = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] pixels = new byte[50 * 28 * 28];
        new java.util.Random(1).nextBytes(pixels);
        IdxWriter.write(f, new int[] {50, 28, 28}, pixels, true);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(f, 3));
        assertTrue(e.getMessage().contains(f.getFileName().toString()) && e.getMessage().contains("is damaged"),
                e.getMessage());
    }

    @Test
    void anEmptyDataSetAndADataDirThatIsAFileAreNamed() throws Exception {
        Path empty = TinyCifar.write(dir.resolve("empty"), 0, 8);
        Run r = MainTest.run("train", "--dataset", "cifar10", "--data-dir", empty.toString(), "--no-download",
                "--optimizer", "sgd", "--no-progress", "--output", dir.resolve("out1").toString());
        assertEquals(1, r.code, r.err + r.out);
        assertFalse(r.err.contains("The data set is empty"), r.err);
        assertTrue(r.err.contains("--data-dir") && r.err.contains(empty.toString()), r.err);

        Path file = Files.writeString(dir.resolve("mnist.txt"), "not a folder");
        r = MainTest.run("train", "--dataset", "mnist", "--data-dir", file.toString(), "--optimizer", "sgd",
                "--no-progress", "--output", dir.resolve("out2").toString());
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--data-dir " + file + " is a file, not a folder"), r.err);
        assertFalse(r.err.contains("Not a directory"), r.err);
    }

    @Test
    void anUndecodableImageIsNamed() throws Exception {
        Path val = dir.resolve("images");
        for (String c : List.of("cat", "dog")) {
            Files.createDirectories(val.resolve(c));
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8, 8,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            javax.imageio.ImageIO.write(img, "png", val.resolve(c).resolve("ok.png").toFile());
        }
        Path bad = Files.writeString(val.resolve("dog").resolve("broken.jpg"), "not a JPEG at all");
        org.nd4j.linalg.dataset.api.iterator.DataSetIterator it = ImageFolderData.validation(val, 8, 4,
                ChannelStats.IMAGENET, null);
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            while (it.hasNext()) {
                it.next();
            }
        });
        assertTrue(e.getMessage().contains(bad.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--data-dir"), e.getMessage());
    }

    @Test
    void classFoldersThatDifferAreListed() throws Exception {
        Path val = dir.resolve("val");
        Files.createDirectories(val.resolve("cat"));
        Files.createDirectories(val.resolve("dog"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolderData.validation(val,
                32, 4, ChannelStats.IMAGENET, List.of("cat", "cow")));
        assertTrue(e.getMessage().contains("missing cow; not among the training classes dog"), e.getMessage());
    }
}
