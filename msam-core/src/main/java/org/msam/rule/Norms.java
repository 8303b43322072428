package org.msam.rule;

import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The global norms and dot products every rule, the clipping and the diagnostics use: sums in double of BLAS dot
 * products over chunks of {@value #CHUNK} elements, one read of the data (ND4J's {@code norm2} costs about two and a
 * half axpys) with the float32 accumulation error of a chunk, not of the whole vector. Arrays of a type BLAS has no
 * dot for (half precision, bfloat16: ND4J's CPU backend throws) are widened to float32 chunk by chunk, so their
 * products are accumulated in float32 within a chunk and in double across chunks; float and double arrays take the
 * BLAS path unchanged.
 */
public final class Norms {
    /** Elements per BLAS dot call. */
    public static final long CHUNK = 1L << 16;

    private Norms() {
    }

    /** @return ‖x‖² of an array, taken over its elements in storage order (x must be contiguous) */
    public static double squaredNorm(INDArray x) {
        return dot(x, x);
    }

    /** @return Σ_i ‖x_i‖², skipping null entries */
    public static double squaredNorm(List<INDArray> xs) {
        double sq = 0;
        for (INDArray x : xs) {
            if (x != null) {
                sq += squaredNorm(x);
            }
        }
        return sq;
    }

    /**
     * @param x a contiguous array
     * @return x as consecutive views of at most {@value #CHUNK} elements, in storage order: {@link
     *     #squaredNorm(List)} over them equals {@link #squaredNorm(INDArray)} of x bit for bit, without making the
     *     views again at every call (a caller that takes the norm of the same array every step keeps them)
     */
    public static List<INDArray> chunks(INDArray x) {
        INDArray a = flat(x);
        long n = a.length();
        if (n <= CHUNK) {
            return List.of(a);
        }
        List<INDArray> parts = new java.util.ArrayList<>();
        for (long from = 0; from < n; from += CHUNK) {
            parts.add(a.get(NDArrayIndex.interval(from, Math.min(n, from + CHUNK))));
        }
        return java.util.Collections.unmodifiableList(parts);
    }

    /** @return ⟨x, y⟩ of two contiguous arrays of equal length, pairing elements in storage order */
    public static double dot(INDArray x, INDArray y) {
        INDArray a = flat(x);
        INDArray b = flat(y);
        long n = a.length();
        if (b.length() != n) {
            throw new IllegalArgumentException("dot of arrays of lengths " + n + " and " + b.length());
        }
        if (n <= CHUNK) {
            return n == 0 ? 0 : blasDot(a, b);
        }
        boolean same = x == y;
        double s = 0;
        for (long from = 0; from < n; from += CHUNK) {
            long len = Math.min(CHUNK, n - from);
            INDArray part = a.get(NDArrayIndex.interval(from, from + len));
            s += blasDot(part, same ? part : b.get(NDArrayIndex.interval(from, from + len)));
        }
        return s;
    }

    /**
     * @param a an array
     * @return true when every element is finite: one sum, and an element-wise NaN/∞ search only when the sum is not
     *     finite (a sum of finite values can overflow)
     */
    public static boolean allFinite(INDArray a) {
        if (Double.isFinite(a.sumNumber().doubleValue())) {
            return true;
        }
        return !BooleanIndexing.or(a, Conditions.isNan()) && !BooleanIndexing.or(a, Conditions.isInfinite());
    }

    /** BLAS dot of two vectors; types without a BLAS dot are widened to float32 first. */
    private static double blasDot(INDArray a, INDArray b) {
        if (!blasType(a.dataType()) || !blasType(b.dataType())) {
            INDArray wa = a.castTo(DataType.FLOAT);
            INDArray wb = a == b ? wa : b.castTo(DataType.FLOAT);
            return Nd4j.getBlasWrapper().dot(wa, wb);
        }
        return Nd4j.getBlasWrapper().dot(a, b);
    }

    private static boolean blasType(DataType t) {
        return t == DataType.FLOAT || t == DataType.DOUBLE;
    }

    private static INDArray flat(INDArray x) {
        return x.rank() == 1 ? x : x.reshape(x.length());
    }
}
