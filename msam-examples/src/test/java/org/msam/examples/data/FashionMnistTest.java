package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class FashionMnistTest {
    @TempDir
    Path tmp;

    @Test
    void embeddedSubsetIsBalancedAndTheTestSetComplete() throws IOException {
        ImageDataset train = FashionMnist.embedded(Split.TRAIN);
        ImageDataset test = FashionMnist.embedded(Split.TEST);
        assertEquals(10_000, train.size());
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, train.classCounts());
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, test.classCounts());
        assertEquals(28, train.height());
        assertEquals("Ankle boot", train.classNames().get(9));
        ChannelStats s = ChannelStats.compute(test);
        assertEquals(ChannelStats.FASHION_MNIST.mean(0), s.mean(0), 0.01);
        assertEquals(ChannelStats.FASHION_MNIST.std(0), s.std(0), 0.01);
    }

    @Test
    void embeddedDataGivesNormalisedOneHotNchwBatches() throws IOException {
        ImageDataset test = FashionMnist.embedded(Split.TEST);
        DataSetIterator it = ImageDataSetIterator.builder(test, 1000).stats(ChannelStats.FASHION_MNIST).build();
        DataSet ds = it.next();
        assertArrayEquals(new long[] {1000, 1, 28, 28}, ds.getFeatures().shape());
        assertArrayEquals(new long[] {1000, 10}, ds.getLabels().shape());
        assertEquals(1000.0, ds.getLabels().sumNumber().doubleValue(), 1e-6);
        assertEquals(0.0, ds.getFeatures().meanNumber().doubleValue(), 0.05);
        assertEquals(1.0, ds.getFeatures().stdNumber().doubleValue(), 0.05);
    }

    @Test
    void subsetToolKeepsTheFirstImagesOfEachClassInFileOrder() throws IOException {
        // 30 training images, label i % 10 for i < 20, then all class 9: first 2 per class = images 0..19.
        int n = 30;
        byte[] px = new byte[n * 784];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(px, i * 784, (i + 1) * 784, (byte) i);
            labels[i] = (byte) (i < 20 ? i % 10 : 9);
        }
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.write(src.resolve("train-images-idx3-ubyte"), IdxReaderTest.idx(0x803, new int[] {n, 28, 28}, px));
        Files.write(src.resolve("train-labels-idx1-ubyte"), IdxReaderTest.idx(0x801, new int[] {n}, labels));
        Files.write(src.resolve("t10k-images-idx3-ubyte"), IdxReaderTest.idx(0x803, new int[] {n, 28, 28}, px));
        Files.write(src.resolve("t10k-labels-idx1-ubyte"), IdxReaderTest.idx(0x801, new int[] {n}, labels));
        Path out = tmp.resolve("out");
        Path[] written = FashionMnistSubset.make(src, out, 2);
        assertEquals(4, written.length);
        ImageDataset sub = FashionMnist.fromDirectory(out, Split.TRAIN);
        assertEquals(20, sub.size());
        for (int i = 0; i < 20; i++) {
            assertEquals(i, sub.pixel(i, 0, 0, 0));
            assertEquals(i % 10, sub.label(i));
        }
        assertEquals(n, FashionMnist.fromDirectory(out, Split.TEST).size());
        assertTrue(Files.size(written[0]) < 30 * 784, "gzip'ed");
        byte[] first = Files.readAllBytes(written[0]);
        FashionMnistSubset.make(src, out, 2);
        assertArrayEquals(first, Files.readAllBytes(written[0]), "the same input gives the same bytes");
    }
}
