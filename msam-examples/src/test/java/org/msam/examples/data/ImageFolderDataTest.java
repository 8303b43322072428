package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** ImageNet-style folders of solid-colour images (PNG and JPEG, various sizes) written with javax.imageio. */
class ImageFolderDataTest {
    private static final List<String> CLASSES = Arrays.asList("blue", "green", "red");
    private static final Color[] COLORS = {new Color(20, 40, 220), new Color(30, 200, 40), new Color(230, 30, 20)};

    @TempDir
    static Path root;

    @BeforeAll
    static void writeImages() throws IOException {
        Random r = new Random(1);
        for (String split : new String[] {"train", "val"}) {
            for (int c = 0; c < CLASSES.size(); c++) {
                Path dir = root.resolve(split).resolve(CLASSES.get(c));
                Files.createDirectories(dir);
                for (int i = 0; i < 3; i++) {
                    int w = 40 + r.nextInt(30);
                    int h = 30 + r.nextInt(30);
                    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                    Graphics2D g = img.createGraphics();
                    g.setColor(COLORS[c]);
                    g.fillRect(0, 0, w, h);
                    g.dispose();
                    String format = i == 2 ? "jpg" : "png";
                    ImageIO.write(img, format, dir.resolve("img" + i + (format.equals("jpg") ? ".JPEG" : ".png"))
                            .toFile());
                }
            }
        }
    }

    private static int dominantChannel(INDArray features, int example) {
        INDArray img = features.get(NDArrayIndex.point(example));
        double best = Double.NEGATIVE_INFINITY;
        int arg = -1;
        for (int ch = 0; ch < 3; ch++) {
            double v = img.get(NDArrayIndex.point(ch)).meanNumber().doubleValue();
            if (v > best) {
                best = v;
                arg = ch;
            }
        }
        return arg;
    }

    private static int label(DataSet ds, int example) {
        return ds.getLabels().getRow(example).argMax().getInt(0);
    }

    @Test
    void trainingIteratorGivesRgbNchwBatchesWithFolderLabels() throws IOException {
        ChannelStats unit = new ChannelStats(new double[] {0, 0, 0}, new double[] {1, 1, 1});
        DataSetIterator it = ImageFolderData.train(root.resolve("train"), 16, 4, 42, unit);
        assertEquals(CLASSES, it.getLabels());
        assertEquals(3, it.totalOutcomes());
        int seen = 0;
        int[] perClass = new int[3];
        while (it.hasNext()) {
            DataSet ds = it.next();
            assertEquals(DataType.FLOAT, ds.getFeatures().dataType());
            assertEquals(16, ds.getFeatures().size(2));
            assertEquals(16, ds.getFeatures().size(3));
            assertEquals(3, ds.getFeatures().size(1));
            for (int j = 0; j < ds.numExamples(); j++) {
                int label = label(ds, j);
                perClass[label]++;
                // red -> channel 0, green -> 1, blue -> 2: RGB order, not OpenCV's BGR
                int expectedChannel = label == 2 ? 0 : label == 1 ? 1 : 2;
                assertEquals(expectedChannel, dominantChannel(ds.getFeatures(), j), "class " + CLASSES.get(label));
                assertTrue(ds.getFeatures().maxNumber().doubleValue() <= 1.0 + 1e-6, "scaled to [0, 1]");
            }
            seen += ds.numExamples();
        }
        assertEquals(9, seen);
        assertArrayEquals(new int[] {3, 3, 3}, perClass);
    }

    @Test
    void trainingIsReproducibleForASeedAndValidationIsDeterministic() throws IOException {
        DataSet a = ImageFolderData.train(root.resolve("train"), 12, 9, 7, ChannelStats.IMAGENET).next();
        DataSet b = ImageFolderData.train(root.resolve("train"), 12, 9, 7, ChannelStats.IMAGENET).next();
        assertEquals(a.getFeatures(), b.getFeatures());
        assertEquals(a.getLabels(), b.getLabels());

        List<String> classes = ImageFolderData.classes(root.resolve("train"));
        assertEquals(3L * CLASSES.size(), ImageFolderData.count(root.resolve("train")), "images counted, not decoded");
        DataSetIterator val = ImageFolderData.validation(root.resolve("val"), 12, 9, ChannelStats.IMAGENET, classes);
        DataSet v1 = val.next();
        val.reset();
        DataSet v2 = val.next();
        assertEquals(v1.getFeatures(), v2.getFeatures());
        assertArrayEquals(new long[] {9, 3, 12, 12}, v1.getFeatures().shape());
        // A solid red image, normalised with the ImageNet statistics: channel 0 is (230/255 - 0.485) / 0.229.
        int red = 0;
        for (int j = 0; j < 9; j++) {
            if (CLASSES.get(label(v1, j)).equals("red")) {
                assertEquals((230 / 255.0 - 0.485) / 0.229, v1.getFeatures().getDouble(j, 0, 6, 6), 0.05);
                assertEquals((30 / 255.0 - 0.456) / 0.224, v1.getFeatures().getDouble(j, 1, 6, 6), 0.05);
                red++;
            }
        }
        assertEquals(3, red);
    }

    @Test
    void randomResizedCropWindowsStayInsideTheImage() {
        Random r = new Random(3);
        for (int i = 0; i < 2000; i++) {
            int h = 1 + r.nextInt(300);
            int w = 1 + r.nextInt(300);
            int[] win = RandomResizedCropTransform.window(h, w, 0.08, r);
            assertTrue(win[2] >= 1 && win[3] >= 1, Arrays.toString(win));
            assertTrue(win[0] >= 0 && win[0] + win[2] <= h, h + "x" + w + " " + Arrays.toString(win));
            assertTrue(win[1] >= 0 && win[1] + win[3] <= w, h + "x" + w + " " + Arrays.toString(win));
        }
    }

    @Test
    void mismatchedOrMissingFoldersAreExplained() throws IOException {
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> ImageFolderData.validation(root.resolve("val"), 8, 2, ChannelStats.IMAGENET,
                        Arrays.asList("blue", "red")));
        assertTrue(e.getMessage().contains("differ from the training classes"), e.getMessage());
        e = assertThrows(DatasetFormatException.class,
                () -> ImageFolderData.train(root.resolve("absent"), 8, 2, 1, ChannelStats.IMAGENET));
        assertTrue(e.getMessage().contains("--data-dir"), e.getMessage());
    }
}
