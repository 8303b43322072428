package org.msam.updater;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The chunked BLAS squared norm against a plain double loop, across chunk boundaries and on views. */
class ViewsTest {
    @Test
    void squaredNormMatchesAPlainSumInDouble() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            Nd4j.getRandom().setSeed(3);
            long n = 40 * Views.DOT_CHUNK + 12345;
            INDArray all = Nd4j.randn(type, 1, n + 7);
            INDArray view = Views.slice(Views.flat(all), 7, n);
            double expected = 0;
            for (double x : view.toDoubleVector()) {
                expected += x * x;
            }
            double tol = type == DataType.DOUBLE ? 1e-12 : 1e-6;
            double nd4j = Math.pow(view.norm2Number().doubleValue(), 2);
            assertEquals(expected, Views.squaredNorm(view), tol * expected,
                    type + " (ND4J's norm2 squared is off by " + Math.abs(nd4j - expected) / expected + ")");
            INDArray small = Views.slice(Views.flat(all), 3, 10);
            double e2 = 0;
            for (double x : small.toDoubleVector()) {
                e2 += x * x;
            }
            assertEquals(e2, Views.squaredNorm(small), tol * e2, type + " small view");
        }
    }
}
