package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link InterleavedRatio} runs both optimizers and returns one sorted, positive ratio per pair. */
class InterleavedRatioTest {
    @Test
    void returnsOneRatioPerPairSorted() {
        double[] r = InterleavedRatio.ratios("smallCnn", "msam", "sgd", 3, 2);
        assertEquals(3, r.length);
        for (int i = 0; i < r.length; i++) {
            assertTrue(r[i] > 0 && Double.isFinite(r[i]), "ratio " + r[i]);
            assertTrue(i == 0 || r[i - 1] <= r[i], "sorted");
        }
    }
}
