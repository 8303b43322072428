package org.msam.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The chunked BLAS norms and dot products against plain double loops, across chunk boundaries and on views. */
class NormsTest {
    @Test
    void squaredNormAndDotMatchPlainSumsInDouble() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            Nd4j.getRandom().setSeed(3);
            long n = 40 * Norms.CHUNK + 12345;
            INDArray all = Nd4j.randn(type, 1, n + 7).reshape(n + 7);
            INDArray other = Nd4j.randn(type, 1, n).reshape(n);
            INDArray view = all.get(NDArrayIndex.interval(7, 7 + n));
            double[] x = view.toDoubleVector();
            double[] y = other.toDoubleVector();
            double expected = 0;
            double dot = 0;
            for (int i = 0; i < x.length; i++) {
                expected += x[i] * x[i];
                dot += x[i] * y[i];
            }
            double tol = type == DataType.DOUBLE ? 1e-12 : 1e-6;
            double nd4j = Math.pow(view.norm2Number().doubleValue(), 2);
            assertEquals(expected, Norms.squaredNorm(view), tol * expected,
                    type + " (ND4J's norm2 squared is off by " + Math.abs(nd4j - expected) / expected + ")");
            assertEquals(dot, Norms.dot(view, other), tol * Math.sqrt(expected * Norms.squaredNorm(other)),
                    type + " dot");
            INDArray small = all.get(NDArrayIndex.interval(3, 13));
            double e2 = Arrays.stream(small.toDoubleVector()).map(v -> v * v).sum();
            assertEquals(e2, Norms.squaredNorm(small), tol * e2, type + " small view");
            assertEquals(expected + e2, Norms.squaredNorm(Arrays.asList(view, null, small)),
                    tol * (expected + e2), type + " list, null skipped");
            assertEquals(0.0, Norms.squaredNorm(List.of()), 0.0);
            List<INDArray> parts = Norms.chunks(view);
            assertEquals(41, parts.size(), "chunks of " + Norms.CHUNK);
            assertEquals(Norms.squaredNorm(view), Norms.squaredNorm(parts), 0.0, type + " chunks, bit for bit");
            view.muli(2);
            assertEquals(Norms.squaredNorm(view), Norms.squaredNorm(parts), 0.0, type + " chunks are views");
            assertEquals(List.of(small), Norms.chunks(small));
        }
    }
}
