package org.msam.schedule;

/**
 * Double-precision references for the schedules of {@code org.msam.schedule}, written from the formulas in
 * docs/ALGORITHMS.md and the class comments, independently of the classes under test.
 */
public final class ScheduleReferences {

    private ScheduleReferences() {
    }

    /** P, W, T, F, I at iteration t: linear warm-up from I to P, half cosine from P to F, then F. */
    public static double warmupCosine(double peak, int warmup, int total, double floor, double initial, long t) {
        if (t < warmup) {
            double fraction = (double) t / (double) warmup;
            return initial + (peak - initial) * fraction;
        }
        if (t < total) {
            double angle = Math.PI * (double) (t - warmup) / (double) (total - warmup);
            return floor + (peak - floor) * 0.5 * (1.0 + Math.cos(angle));
        }
        return floor;
    }

    /** The warm-up multiplier s + (1 − s)·t/W for t &lt; W, else 1. */
    public static double warmupFactor(int warmup, double startFactor, long t) {
        if (t >= warmup) {
            return 1.0;
        }
        double fraction = (double) t / (double) warmup;
        return startFactor + (1.0 - startFactor) * fraction;
    }

    /** from + (to − from)·min(u, L)/L; {@code to} when L = 0. */
    public static double linearRamp(double from, double to, int length, long u) {
        if (length == 0) {
            return to;
        }
        double fraction = (double) Math.min(u, length) / (double) length;
        return from + (to - from) * fraction;
    }

    /** last + (initial − last)·(1 + cos(π·min(u, L)/L))/2; {@code last} when L = 0. */
    public static double cosine(double initial, double last, int length, long u) {
        if (length == 0) {
            return last;
        }
        double fraction = (double) Math.min(u, length) / (double) length;
        return last + (initial - last) * 0.5 * (1.0 + Math.cos(Math.PI * fraction));
    }

    /** 0 for u &lt; N, else {@code on}. */
    public static double offThenOn(int offUnits, long u, double on) {
        return u < offUnits ? 0.0 : on;
    }

    /** ND4J's StepSchedule: initial·decay^⌊u/step⌋. */
    public static double step(double initial, double decayRate, double step, long u) {
        return initial * Math.pow(decayRate, Math.floor(u / step));
    }
}
