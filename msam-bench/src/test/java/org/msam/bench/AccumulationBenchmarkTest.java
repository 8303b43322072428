package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.msam.dl4j.SharpnessAware;

/**
 * {@link AccumulationBenchmark} builds its networks with the driver's accumulation, steps once per window, and
 * returns one sorted, positive ratio per pair.
 */
class AccumulationBenchmarkTest {
    @Test
    void accumulatesAndReturnsOneRatioPerPairSorted() {
        Model net = AccumulationBenchmark.network("smallCnn", "msam", 2);
        assertEquals(2, SharpnessAware.listener(net).getAccumulation().microBatches());
        org.nd4j.linalg.dataset.DataSet data = Models.randomBatch("smallCnn", 2);
        for (int i = 0; i < 4; i++) {
            InterleavedRatio.fit(net, data);
        }
        assertEquals(2, ((MultiLayerNetwork) net).getIterationCount(), "one step per 2 micro-batches");
        double[] r = AccumulationBenchmark.ratios("smallCnn", "sgd", 2, 3, 2);
        assertEquals(3, r.length);
        for (int i = 0; i < r.length; i++) {
            assertTrue(r[i] > 0 && Double.isFinite(r[i]), "ratio " + r[i]);
            assertTrue(i == 0 || r[i - 1] <= r[i], "sorted");
        }
    }
}
