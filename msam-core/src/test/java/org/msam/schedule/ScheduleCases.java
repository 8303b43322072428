package org.msam.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import static org.msam.schedule.ScheduleReferences.cosine;
import static org.msam.schedule.ScheduleReferences.linearRamp;
import static org.msam.schedule.ScheduleReferences.offThenOn;
import static org.msam.schedule.ScheduleReferences.step;
import static org.msam.schedule.ScheduleReferences.warmupCosine;
import static org.msam.schedule.ScheduleReferences.warmupFactor;
import static org.nd4j.linalg.schedule.ScheduleType.EPOCH;
import static org.nd4j.linalg.schedule.ScheduleType.ITERATION;

/** The registry of named schedule configurations that drives the contract tests. */
final class ScheduleCases {

    private ScheduleCases() {
    }

    /** Reference value at (iteration, epoch). */
    interface Reference {
        double valueAt(int iteration, int epoch);
    }

    /** A (iteration, epoch) pair. */
    static final class Point {
        final int iteration;
        final int epoch;

        Point(int iteration, int epoch) {
            this.iteration = iteration;
            this.epoch = epoch;
        }

        @Override
        public String toString() {
            return "(iteration=" + iteration + ", epoch=" + epoch + ")";
        }
    }

    /** A named schedule, built fresh on each call, with its reference and the points to check. */
    static final class Case {
        final String name;
        final Supplier<ISchedule> schedule;
        final Reference reference;
        final List<Point> points;

        Case(String name, Supplier<ISchedule> schedule, Reference reference, int... keyUnits) {
            this.name = name;
            this.schedule = schedule;
            this.reference = reference;
            this.points = points(keyUnits);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Every unit from 0 to 3 past the largest key (so every boundary u = K − 1, K, K + 1), then far beyond;
     * each unit u as (u, 0), (0, u) (a schedule reading the wrong counter differs there), and as the
     * realistic pairs (u, u/7) and (64u + 3, u).
     */
    static List<Point> points(int... keyUnits) {
        int max = 0;
        for (int k : keyUnits) {
            max = Math.max(max, k);
        }
        TreeSet<Integer> units = new TreeSet<>();
        for (int u = 0; u <= max + 3; u++) {
            units.add(u);
        }
        units.add(2 * max + 1);
        units.add(1_000_000);
        units.add(Integer.MAX_VALUE);
        List<Point> points = new ArrayList<>();
        for (int u : units) {
            points.add(new Point(u, 0));
            points.add(new Point(0, u));
            points.add(new Point(u, u / 7));
            points.add(new Point((int) Math.min(64L * u + 3, Integer.MAX_VALUE), u));
        }
        return points;
    }

    private static int unit(ScheduleType type, int iteration, int epoch) {
        return type == ITERATION ? iteration : epoch;
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();

        cases.add(new Case("constant", () -> new ConstantSchedule(0.25), (i, e) -> 0.25, 2));
        cases.add(new Case("constant negative", () -> new ConstantSchedule(-3.0), (i, e) -> -3.0, 2));

        cases.add(new Case("warmupCosine P=0.1 W=10 T=110",
                () -> new WarmupCosineSchedule(0.1, 10, 110, 0.0, 0.0),
                (i, e) -> warmupCosine(0.1, 10, 110, 0.0, 0.0, i), 10, 110));
        cases.add(new Case("warmupCosine no warm-up, floor",
                () -> new WarmupCosineSchedule(0.5, 0, 50, 0.005, 0.0),
                (i, e) -> warmupCosine(0.5, 0, 50, 0.005, 0.0, i), 50));
        cases.add(new Case("warmupCosine T=W+1, floor and initial",
                () -> new WarmupCosineSchedule(1.0, 5, 6, 0.2, 0.3),
                (i, e) -> warmupCosine(1.0, 5, 6, 0.2, 0.3, i), 5, 6));
        cases.add(new Case("warmupCosine initial above peak",
                () -> new WarmupCosineSchedule(0.1, 3, 9, 0.0, 0.4),
                (i, e) -> warmupCosine(0.1, 3, 9, 0.0, 0.4, i), 3, 9));
        cases.add(new Case("warmupCosine builder",
                () -> WarmupCosineSchedule.builder().peak(0.05).warmupIterations(7).totalIterations(40)
                        .floor(1e-4).initial(1e-3).build(),
                (i, e) -> warmupCosine(0.05, 7, 40, 1e-4, 1e-3, i), 7, 40));

        cases.add(new Case("warmup over epoch cosine",
                () -> new WarmupSchedule(new CosineSchedule(EPOCH, 0.5, 0.0, 20), 25, 0.0),
                (i, e) -> cosine(0.5, 0.0, 20, e) * warmupFactor(25, 0.0, i), 20, 25));
        cases.add(new Case("warmup over constant, start factor",
                () -> WarmupSchedule.builder().inner(new ConstantSchedule(2.0)).warmupIterations(8)
                        .startFactor(0.25).build(),
                (i, e) -> 2.0 * warmupFactor(8, 0.25, i), 8));
        cases.add(new Case("warmup W=0 over iteration ramp",
                () -> new WarmupSchedule(new LinearRampSchedule(ITERATION, 1.0, 2.0, 6), 0, 0.5),
                (i, e) -> linearRamp(1.0, 2.0, 6, i), 6));
        cases.add(new Case("warmup over ND4J StepSchedule",
                () -> new WarmupSchedule(new StepSchedule(ITERATION, 0.1, 0.5, 10), 4, 0.1),
                (i, e) -> step(0.1, 0.5, 10, i) * warmupFactor(4, 0.1, i), 4, 30));

        for (ScheduleType type : ScheduleType.values()) {
            cases.add(new Case("linearRamp " + type + " 0 to 3 over 10",
                    () -> new LinearRampSchedule(type, 0.0, 3.0, 10),
                    (i, e) -> linearRamp(0.0, 3.0, 10, unit(type, i, e)), 10));
            cases.add(new Case("linearRamp " + type + " falling through 0",
                    () -> LinearRampSchedule.builder().scheduleType(type).from(0.5).to(-0.5).length(4).build(),
                    (i, e) -> linearRamp(0.5, -0.5, 4, unit(type, i, e)), 4));
            cases.add(new Case("linearRamp " + type + " length 0",
                    () -> new LinearRampSchedule(type, 7.0, 2.0, 0),
                    (i, e) -> linearRamp(7.0, 2.0, 0, unit(type, i, e)), 1));

            cases.add(new Case("cosine " + type + " 0.5 to 0 over 20",
                    () -> CosineSchedule.builder().scheduleType(type).initial(0.5).length(20).build(),
                    (i, e) -> cosine(0.5, 0.0, 20, unit(type, i, e)), 20));
            cases.add(new Case("cosine " + type + " rising 0.1 to 0.3 over 7",
                    () -> new CosineSchedule(type, 0.1, 0.3, 7),
                    (i, e) -> cosine(0.1, 0.3, 7, unit(type, i, e)), 7));
            cases.add(new Case("cosine " + type + " length 0",
                    () -> new CosineSchedule(type, 0.4, 0.1, 0),
                    (i, e) -> cosine(0.4, 0.1, 0, unit(type, i, e)), 1));

            cases.add(new Case("offThenOn " + type + " 8 then 3",
                    () -> new OffThenOnSchedule(type, 8, 3.0),
                    (i, e) -> offThenOn(8, unit(type, i, e), 3.0), 8));
            cases.add(new Case("offThenOn " + type + " 0 off units",
                    () -> OffThenOnSchedule.builder().scheduleType(type).offUnits(0).value(0.2).build(),
                    (i, e) -> offThenOn(0, unit(type, i, e), 0.2), 2));
        }
        cases.add(new Case("offThenOn ITERATION then epoch ramp",
                () -> new OffThenOnSchedule(ITERATION, 5, new LinearRampSchedule(EPOCH, 0.0, 1.0, 3)),
                (i, e) -> offThenOn(5, i, linearRamp(0.0, 1.0, 3, e)), 5, 3));
        cases.add(new Case("offThenOn EPOCH then warm-up cosine",
                () -> OffThenOnSchedule.builder().scheduleType(EPOCH).offUnits(2)
                        .inner(new WarmupSchedule(new CosineSchedule(ITERATION, 2.0, 1.0, 12), 6, 0.0)).build(),
                (i, e) -> offThenOn(2, e, cosine(2.0, 1.0, 12, i) * warmupFactor(6, 0.0, i)), 2, 6, 12));
        return cases;
    }
}
