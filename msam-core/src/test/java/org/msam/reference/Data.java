package org.msam.reference;

import java.util.Random;

/** Deterministic test data and comparisons. */
public final class Data {
    private Data() {
    }

    /** @return n values from N(0, scale²) with the given seed */
    public static double[] normal(long seed, int n, double scale) {
        Random r = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = scale * r.nextGaussian();
        }
        return x;
    }

    /** @return the largest |a − b| / max(1, |b|) */
    public static double maxRelErr(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " != " + b.length);
        }
        double e = 0;
        for (int i = 0; i < a.length; i++) {
            e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
            if (Double.isNaN(a[i]) != Double.isNaN(b[i])) {
                return Double.POSITIVE_INFINITY;
            }
        }
        return e;
    }
}
