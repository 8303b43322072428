package org.msam.schedule;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.ISchedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nd4j.linalg.schedule.ScheduleType.EPOCH;
import static org.nd4j.linalg.schedule.ScheduleType.ITERATION;

/** Hand-computed values at the points that define each schedule, builder defaults and {@code toString}. */
class ScheduleValuesTest {

    private static final double TOLERANCE = 1e-15;
    /** (1 + cos(π/4))/2 = (2 + √2)/4. */
    private static final double COS_QUARTER = 0.8535533905932737;

    @Test
    void warmupCosine() {
        ISchedule s = new WarmupCosineSchedule(0.1, 10, 110, 0.0, 0.0);
        assertEquals(0.0, s.valueAt(0, 0), TOLERANCE);
        assertEquals(0.01, s.valueAt(1, 0), TOLERANCE);
        assertEquals(0.05, s.valueAt(5, 7), TOLERANCE);
        assertEquals(0.09, s.valueAt(9, 0), TOLERANCE);
        assertEquals(0.1, s.valueAt(10, 0), 0.0);
        assertEquals(0.1 * COS_QUARTER, s.valueAt(35, 0), TOLERANCE);
        assertEquals(0.05, s.valueAt(60, 3), TOLERANCE);
        assertEquals(0.1 * (1 - COS_QUARTER), s.valueAt(85, 0), TOLERANCE);
        assertEquals(0.0, s.valueAt(110, 0), 0.0);
        assertEquals(0.0, s.valueAt(5000, 9), 0.0);

        ISchedule f = new WarmupCosineSchedule(0.1, 4, 8, 0.01, 0.02);
        assertEquals(0.02, f.valueAt(0, 0), 0.0);
        assertEquals(0.06, f.valueAt(2, 0), TOLERANCE);
        assertEquals(0.1, f.valueAt(4, 0), 0.0);
        assertEquals(0.055, f.valueAt(6, 0), TOLERANCE);
        assertEquals(0.01, f.valueAt(8, 0), 0.0);

        ISchedule noWarmup = new WarmupCosineSchedule(0.5, 0, 2, 0.0, 0.3);
        assertEquals(0.5, noWarmup.valueAt(0, 0), 0.0);
        assertEquals(0.25, noWarmup.valueAt(1, 0), TOLERANCE);
        assertEquals(0.0, noWarmup.valueAt(2, 0), 0.0);
    }

    @Test
    void warmupScalesTheInnerValue() {
        ISchedule s = new WarmupSchedule(new ConstantSchedule(2.0), 4, 0.5);
        assertEquals(1.0, s.valueAt(0, 0), 0.0);
        assertEquals(1.25, s.valueAt(1, 0), TOLERANCE);
        assertEquals(1.5, s.valueAt(2, 5), TOLERANCE);
        assertEquals(2.0, s.valueAt(4, 0), 0.0);
        assertEquals(2.0, s.valueAt(40, 0), 0.0);

        ISchedule overCosine = new WarmupSchedule(new CosineSchedule(EPOCH, 0.4, 0.0, 2), 10, 0.0);
        assertEquals(0.0, overCosine.valueAt(0, 0), 0.0);
        assertEquals(0.2, overCosine.valueAt(5, 0), TOLERANCE);
        assertEquals(0.1, overCosine.valueAt(5, 1), TOLERANCE);
        assertEquals(0.2, overCosine.valueAt(10, 1), TOLERANCE);
        assertEquals(0.0, overCosine.valueAt(10, 2), 0.0);
    }

    @Test
    void linearRampFollowsItsCounterAndEndsExactly() {
        ISchedule s = new LinearRampSchedule(EPOCH, 0.0, 3.0, 10);
        assertEquals(0.0, s.valueAt(999, 0), 0.0);
        assertEquals(1.5, s.valueAt(999, 5), TOLERANCE);
        assertEquals(3.0, s.valueAt(0, 10), 0.0);
        assertEquals(3.0, s.valueAt(0, 11), 0.0);

        ISchedule it = new LinearRampSchedule(ITERATION, 0.0, 3.0, 10);
        assertEquals(0.3, it.valueAt(1, 9), TOLERANCE);
        assertEquals(3.0, it.valueAt(10, 0), 0.0);

        ISchedule inexact = new LinearRampSchedule(ITERATION, 0.1, 0.7, 3);
        assertEquals(0.7, inexact.valueAt(3, 0), 0.0);
        assertEquals(0.7, inexact.valueAt(4, 0), 0.0);
        assertEquals(2.0, new LinearRampSchedule(EPOCH, 7.0, 2.0, 0).valueAt(0, 0), 0.0);
    }

    @Test
    void cosineFollowsItsCounterAndEndsExactly() {
        ISchedule s = new CosineSchedule(ITERATION, 0.5, 0.0, 20);
        assertEquals(0.5, s.valueAt(0, 3), 0.0);
        assertEquals(0.5 * COS_QUARTER, s.valueAt(5, 3), TOLERANCE);
        assertEquals(0.25, s.valueAt(10, 3), TOLERANCE);
        assertEquals(0.0, s.valueAt(20, 0), 0.0);
        assertEquals(0.0, s.valueAt(21, 0), 0.0);

        ISchedule rising = new CosineSchedule(EPOCH, 0.1, 0.3, 4);
        assertEquals(0.1, rising.valueAt(100, 0), TOLERANCE);
        assertEquals(0.2, rising.valueAt(100, 2), TOLERANCE);
        assertEquals(0.3, rising.valueAt(0, 4), 0.0);
        assertEquals(0.1, new CosineSchedule(EPOCH, 0.4, 0.1, 0).valueAt(0, 0), 0.0);
    }

    @Test
    void offThenOnIsTheVitRhoRecipe() {
        ISchedule rho = new OffThenOnSchedule(EPOCH, 8, 3.0);
        assertEquals(0.0, rho.valueAt(0, 0), 0.0);
        assertEquals(0.0, rho.valueAt(100_000, 7), 0.0);
        assertEquals(3.0, rho.valueAt(0, 8), 0.0);
        assertEquals(3.0, rho.valueAt(100_000, 300), 0.0);

        ISchedule unshifted = new OffThenOnSchedule(ITERATION, 5, new LinearRampSchedule(ITERATION, 0.0, 1.0, 10));
        assertEquals(0.0, unshifted.valueAt(4, 0), 0.0);
        assertEquals(0.5, unshifted.valueAt(5, 0), TOLERANCE);
    }

    @Test
    void buildersApplyTheDocumentedDefaults() {
        assertEquals(0, WarmupCosineSchedule.DEFAULT_WARMUP_ITERATIONS);
        assertEquals(0.0, WarmupCosineSchedule.DEFAULT_FLOOR, 0.0);
        assertEquals(0.0, WarmupCosineSchedule.DEFAULT_INITIAL, 0.0);
        assertEquals(0.0, WarmupSchedule.DEFAULT_START_FACTOR, 0.0);
        assertEquals(0.0, LinearRampSchedule.DEFAULT_FROM, 0.0);
        assertEquals(0.0, CosineSchedule.DEFAULT_LAST, 0.0);

        assertEquals(new WarmupCosineSchedule(0.1, 0, 100, 0.0, 0.0),
                WarmupCosineSchedule.builder().peak(0.1).totalIterations(100).build());
        assertEquals(new WarmupSchedule(new ConstantSchedule(1.0), 5, 0.0),
                WarmupSchedule.builder().inner(new ConstantSchedule(1.0)).warmupIterations(5).build());
        assertEquals(new LinearRampSchedule(EPOCH, 0.0, 3.0, 10),
                LinearRampSchedule.builder().scheduleType(EPOCH).to(3.0).length(10).build());
        assertEquals(new CosineSchedule(EPOCH, 0.5, 0.0, 200),
                CosineSchedule.builder().scheduleType(EPOCH).initial(0.5).length(200).build());
    }

    @Test
    void toStringNamesEveryField() {
        assertEquals("ConstantSchedule(value=0.25)", new ConstantSchedule(0.25).toString());
        assertEquals("WarmupCosineSchedule(peak=0.1, warmupIterations=10, totalIterations=110, floor=0.0, initial=0.0)",
                new WarmupCosineSchedule(0.1, 10, 110, 0.0, 0.0).toString());
        assertEquals("WarmupSchedule(inner=CosineSchedule(scheduleType=EPOCH, initial=0.5, last=0.0, length=200), "
                        + "warmupIterations=390, startFactor=0.0)",
                new WarmupSchedule(new CosineSchedule(EPOCH, 0.5, 0.0, 200), 390, 0.0).toString());
        assertEquals("LinearRampSchedule(scheduleType=ITERATION, from=0.0, to=3.0, length=10)",
                new LinearRampSchedule(ITERATION, 0.0, 3.0, 10).toString());
        assertEquals("OffThenOnSchedule(scheduleType=EPOCH, offUnits=8, inner=ConstantSchedule(value=3.0))",
                new OffThenOnSchedule(EPOCH, 8, 3.0).toString());
    }

    /**
     * WarmupCosineSchedule, made of a LinearRampSchedule and a CosineSchedule, gives the values of the closed form it
     * was computed with before (the learning rates of recorded runs), bit for bit: resuming such a run stays exact.
     */
    @Test
    void warmupCosineIsItsRampThenItsCosineBitForBit() {
        double[][] settings = {{0.5, 390, 78000, 0, 0}, {0.1, 10, 110, 0, 0}, {0.1, 4, 8, 0.01, 0.02},
            {0.05, 79, 1580, 0, 0}, {1e-3, 0, 977, 1e-5, 0}, {0.3, 7, 1001, 0.003, 0.01}};
        for (double[] c : settings) {
            double peak = c[0];
            int warmup = (int) c[1];
            int total = (int) c[2];
            double floor = c[3];
            double initial = c[4];
            ISchedule s = new WarmupCosineSchedule(peak, warmup, total, floor, initial);
            ISchedule ramp = new LinearRampSchedule(ITERATION, initial, peak, warmup);
            ISchedule cosine = new CosineSchedule(ITERATION, peak, floor, total - warmup);
            for (int t = 0; t <= total + 3; t++) {
                double before;
                if (t < warmup) {
                    before = initial + (peak - initial) * t / warmup;
                } else if (t >= total) {
                    before = floor;
                } else {
                    double progress = (double) (t - warmup) / (total - warmup);
                    before = floor + (peak - floor) * (1 + Math.cos(Math.PI * progress)) / 2;
                }
                double parts = t < warmup ? ramp.valueAt(t, 0) : cosine.valueAt(t - warmup, 0);
                assertEquals(Double.doubleToLongBits(before), Double.doubleToLongBits(s.valueAt(t, 3)),
                        "iteration " + t + " of " + s);
                assertEquals(Double.doubleToLongBits(before), Double.doubleToLongBits(parts), "iteration " + t);
            }
        }
    }
}
