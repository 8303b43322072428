package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class PrefetchingDataSetIteratorTest {
    private static ImageDataSetIterator base(long seed) {
        ImageDataset d = TestFiles.randomDataset(50, 3, 8, 8, 5, 1);
        return ImageDataSetIterator.builder(d, 8).stats(ChannelStats.CIFAR10).augmentation(ImageDataSetIteratorTest.SMALL)
                .shuffle(true).seed(seed).build();
    }

    @Test
    void yieldsExactlyTheBatchesOfTheWrappedIteratorEveryEpoch() {
        ImageDataSetIterator reference = base(3);
        try (PrefetchingDataSetIterator it = new PrefetchingDataSetIterator(base(3), 2)) {
            assertFalse(it.asyncSupported());
            assertTrue(it.resetSupported());
            assertEquals(8, it.batch());
            for (int epoch = 0; epoch < 3; epoch++) {
                List<DataSet> kept = new ArrayList<>();
                while (it.hasNext()) {
                    kept.add(it.next());
                }
                // Batches live in ordinary arrays: they may be kept and compared afterwards.
                assertEquals(7, kept.size());
                for (DataSet ds : kept) {
                    DataSet expected = reference.next();
                    assertEquals(expected.getFeatures(), ds.getFeatures());
                    assertEquals(expected.getLabels(), ds.getLabels());
                }
                assertFalse(reference.hasNext());
                assertFalse(it.hasNext());
                assertThrows(NoSuchElementException.class, it::next);
                it.reset();
                reference.reset();
            }
        }
    }

    @Test
    void resetInTheMiddleOfAnEpochStartsTheNextEpoch() {
        ImageDataSetIterator inner = base(4);
        ImageDataSetIterator reference = base(4);
        try (PrefetchingDataSetIterator it = new PrefetchingDataSetIterator(inner, 3)) {
            it.next();
            it.next();
            it.reset();
            assertEquals(1, inner.epoch());
            reference.setEpoch(1);
            assertEquals(reference.next().getFeatures(), it.next().getFeatures());
        }
    }

    @Test
    void anErrorOnTheBackgroundThreadReachesTheCaller() {
        ImageDataSetIterator inner = base(5);
        AtomicInteger calls = new AtomicInteger();
        inner.setPreProcessor(new DataSetPreProcessor() {
            @Override
            public void preProcess(org.nd4j.linalg.dataset.api.DataSet ds) {
                if (calls.incrementAndGet() == 3) {
                    // Fail late, while the caller is already waiting for this batch: DL4J's
                    // AsyncDataSetIterator leaves its caller waiting for ever in this case.
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalArgumentException("broken batch");
                }
            }
        });
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (PrefetchingDataSetIterator it = new PrefetchingDataSetIterator(inner, 1)) {
                it.next();
                it.next();
                IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
                assertTrue(e.getMessage().contains("broken batch"), e.getMessage());
                assertTrue(e.getCause() instanceof IllegalArgumentException);
            }
        });
    }

    @Test
    void theQueueIsBoundedAndCloseStopsTheThread() throws InterruptedException {
        AtomicInteger produced = new AtomicInteger();
        ImageDataSetIterator inner = base(6);
        inner.setPreProcessor(ds -> produced.incrementAndGet());
        PrefetchingDataSetIterator it = new PrefetchingDataSetIterator(inner, 2);
        assertTrue(it.hasNext());
        Thread.sleep(300);
        // One taken into hasNext(), two waiting in the queue, at most one more being offered.
        assertTrue(produced.get() <= 4, "produced " + produced.get());
        it.close();
        assertThrows(IllegalStateException.class, it::hasNext);
        int afterClose = produced.get();
        Thread.sleep(200);
        assertEquals(afterClose, produced.get(), "no batch is prepared after close()");
    }

    @Test
    void worksAsTheTrainingIteratorOfDl4j() {
        DataSetIterator it = new PrefetchingDataSetIterator(base(7));
        int n = 0;
        while (it.hasNext()) {
            assertEquals(3, it.next().getFeatures().size(1));
            n++;
        }
        assertEquals(7, n);
        assertThrows(UnsupportedOperationException.class, () -> it.next(3));
        ((PrefetchingDataSetIterator) it).close();
    }
}
