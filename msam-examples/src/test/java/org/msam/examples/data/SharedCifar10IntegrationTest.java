package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Reads the CIFAR-10 copy in the shared folder (system property {@code msam.shared.dir}, set by Surefire to
 * {@code ../shared} of the project); skipped when it is absent.
 */
class SharedCifar10IntegrationTest {
    private static ImageDataset train;
    private static ImageDataset test;
    private static String skipReason;

    @BeforeAll
    static void read() throws IOException {
        String shared = System.getProperty("msam.shared.dir");
        if (shared == null) {
            skipReason = "System property msam.shared.dir is not set: skipping the CIFAR-10 integration test";
            return;
        }
        Path dir = Paths.get(shared, "data", "cifar-10-binary");
        if (!Files.isRegularFile(dir.resolve("data_batch_1.bin"))) {
            skipReason = "No CIFAR-10 copy at " + dir + ": skipping the CIFAR-10 integration test";
            return;
        }
        train = CifarReader.read(dir, CifarVariant.CIFAR10, Split.TRAIN);
        test = CifarReader.read(dir, CifarVariant.CIFAR10, Split.TEST);
    }

    @BeforeEach
    void requireData() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @Test
    void countsMatchCifar10() {
        assertEquals(50_000, train.size());
        assertEquals(10_000, test.size());
        int[] fiveThousand = new int[10];
        java.util.Arrays.fill(fiveThousand, 5_000);
        int[] thousand = new int[10];
        java.util.Arrays.fill(thousand, 1_000);
        assertArrayEquals(fiveThousand, train.classCounts());
        assertArrayEquals(thousand, test.classCounts());
    }

    @Test
    void statisticsAreCloseToThePublishedOnes() {
        ChannelStats s = ChannelStats.compute(train);
        for (int c = 0; c < 3; c++) {
            assertEquals(ChannelStats.CIFAR10.mean(c), s.mean(c), 0.01, "mean of channel " + c);
            assertEquals(ChannelStats.CIFAR10.std(c), s.std(c), 0.01, "std of channel " + c);
        }
    }

    @Test
    void prefetchingIteratorGivesNormalisedAugmentedBatches() {
        ImageDataSetIterator base = ImageDataSetIterator.builder(train, 256).stats(ChannelStats.CIFAR10)
                .augmentation(Augmentation.cifar()).shuffle(true).seed(1).labelSmoothing(0.1).maxBatches(6).build();
        try (PrefetchingDataSetIterator it = new PrefetchingDataSetIterator(base, 3)) {
            int batches = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                assertArrayEquals(new long[] {256, 3, 32, 32}, ds.getFeatures().shape());
                assertArrayEquals(new long[] {256, 10}, ds.getLabels().shape());
                assertEquals(256.0, ds.getLabels().sumNumber().doubleValue(), 0.01);
                assertEquals(0.91, ds.getLabels().maxNumber().doubleValue(), 1e-6);
                batches++;
            }
            assertEquals(6, batches);
        }
        // Without augmentation, the normalised test set has mean ~0 and deviation ~1 per channel.
        ImageDataSetIterator eval = ImageDataSetIterator.builder(test, 10_000).stats(ChannelStats.CIFAR10).build();
        INDArray f = eval.next().getFeatures();
        for (int c = 0; c < 3; c++) {
            INDArray ch = f.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertEquals(0.0, ch.meanNumber().doubleValue(), 0.05, "mean of channel " + c);
            assertEquals(1.0, ch.stdNumber().doubleValue(), 0.05, "std of channel " + c);
        }
        assertTrue(f.maxNumber().doubleValue() < 2.5);
    }
}
