package org.msam.schedule;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear warm-up followed by a cosine decay, counted in iterations (the epoch is ignored).
 *
 * <p>With peak P, warm-up length W, total length T, floor F and warm-up start I, at iteration t:
 * <pre>
 *   t &lt; W:       I + (P − I)·t/W
 *   W ≤ t &lt; T:   F + (P − F)·(1 + cos(π·(t − W)/(T − W)))/2
 *   t ≥ T:       F
 * </pre>
 * The value is I at t = 0, P at t = W, and reaches F at t = T, where it stays. With W = 0 there is no
 * warm-up and the cosine starts at P on iteration 0.
 *
 * <p>It is the two schedules of this package one after the other: a {@link LinearRampSchedule} from I to P over W
 * iterations, then a {@link CosineSchedule} from P to F over T − W iterations, started at iteration W (it sees
 * t − W). The values are theirs, bit for bit; this class only keeps the five numbers its JSON has always had.
 *
 * <p>Compared with PyTorch: for t &lt; T, with I = F = 0, this is Hugging Face's
 * {@code get_cosine_schedule_with_warmup(optimizer, W, T)} times P; the cosine part alone is the closed
 * form of {@code torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T − W, eta_min=F)} shifted by W. Past T,
 * both of those follow the cosine back up; this schedule holds F. The warm-up may start at I = 0, which
 * {@code LinearLR} (start factor in (0, 1]) does not allow. Values are computed in closed form from the
 * iteration counter, never recursively, so they do not accumulate rounding and survive a restart.
 *
 * <p>Example, the CIFAR-100 recipe (η 0.5, one-epoch ramp, 200 epochs of {@code n} iterations):
 * <pre>{@code
 * ISchedule lr = WarmupCosineSchedule.builder()
 *         .peak(0.5).warmupIterations(n).totalIterations(200 * n).build();
 * }</pre>
 */
public final class WarmupCosineSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    /** Default warm-up length W: {@value} iterations (no warm-up). */
    public static final int DEFAULT_WARMUP_ITERATIONS = 0;
    /** Default floor F, the value from iteration T on: {@value}. */
    public static final double DEFAULT_FLOOR = 0.0;
    /** Default warm-up start I, the value at iteration 0 when W &gt; 0: {@value}. */
    public static final double DEFAULT_INITIAL = 0.0;

    /** P, the value at iteration W. */
    private final double peak;
    /** W, the warm-up length in iterations. */
    private final int warmupIterations;
    /** T, the first iteration at the floor. */
    private final int totalIterations;
    /** F, the value from iteration T on. */
    private final double floor;
    /** I, the value at iteration 0 when W &gt; 0. */
    private final double initial;
    /** The warm-up: I to P over W iterations. */
    @JsonIgnore
    private final LinearRampSchedule warmup;
    /** The decay: P to F over T − W iterations, from iteration W on. */
    @JsonIgnore
    private final CosineSchedule decay;

    /**
     * @param peak             P, the value at the end of the warm-up; finite, {@code >= floor}
     * @param warmupIterations W, the warm-up length in iterations; {@code >= 0}
     * @param totalIterations  T, the iteration from which the value is F; {@code > W}
     * @param floor            F, the final value; finite, {@code >= 0}
     * @param initial          I, the value at iteration 0 when W &gt; 0; finite, {@code >= 0}
     * @throws IllegalArgumentException in the order of the arguments, for example
     *         {@code "Invalid peak value: -1.0 (must be finite and >= 0)"},
     *         {@code "Invalid warmupIterations value: -1 (must be >= 0)"},
     *         {@code "Invalid totalIterations value: 10 (must be > warmupIterations = 10)"},
     *         {@code "Invalid floor value: 0.2 (must be finite and >= 0)"} and, once each value is valid,
     *         {@code "Invalid floor value: 0.2 (must be <= peak = 0.1)"}
     */
    @JsonCreator
    public WarmupCosineSchedule(@JsonProperty("peak") double peak,
                                @JsonProperty("warmupIterations") int warmupIterations,
                                @JsonProperty("totalIterations") int totalIterations,
                                @JsonProperty("floor") double floor,
                                @JsonProperty("initial") double initial) {
        this.peak = Checks.finiteNonNegative("peak", peak);
        this.warmupIterations = Checks.nonNegative("warmupIterations", warmupIterations);
        if (totalIterations <= warmupIterations) {
            throw Checks.invalid("totalIterations", totalIterations,
                    "must be > warmupIterations = " + warmupIterations);
        }
        this.totalIterations = totalIterations;
        this.floor = Checks.finiteNonNegative("floor", floor);
        this.initial = Checks.finiteNonNegative("initial", initial);
        if (floor > peak) {
            throw Checks.invalid("floor", floor, "must be <= peak = " + peak);
        }
        this.warmup = new LinearRampSchedule(ScheduleType.ITERATION, initial, peak, warmupIterations);
        this.decay = new CosineSchedule(ScheduleType.ITERATION, peak, floor, totalIterations - warmupIterations);
    }

    /**
     * A builder; {@code peak} and {@code totalIterations} are required, the rest default to
     * {@link #DEFAULT_WARMUP_ITERATIONS}, {@link #DEFAULT_FLOOR} and {@link #DEFAULT_INITIAL}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the value at {@code iteration} from the formula in the class comment; {@code epoch} is ignored */
    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmupIterations) {
            return warmup.valueAt(iteration, epoch);
        }
        return decay.valueAt(iteration - warmupIterations, epoch);
    }

    /** @return P, the value at iteration W */
    public double getPeak() {
        return peak;
    }

    /** @return W, the warm-up length in iterations */
    public int getWarmupIterations() {
        return warmupIterations;
    }

    /** @return T, the first iteration at the floor */
    public int getTotalIterations() {
        return totalIterations;
    }

    /** @return F, the value from iteration T on */
    public double getFloor() {
        return floor;
    }

    /** @return I, the value at iteration 0 when W &gt; 0 */
    public double getInitial() {
        return initial;
    }

    /** @return an equal, distinct instance */
    /** @return this schedule rebuilt from its five numbers (a form written before the parts were kept has none) */
    private Object readResolve() {
        return clone();
    }

    @Override
    public WarmupCosineSchedule clone() {
        return new WarmupCosineSchedule(peak, warmupIterations, totalIterations, floor, initial);
    }

    /** Equal when every field is equal (doubles compared as by {@link Double#compare}). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass()) {
            return false;
        }
        WarmupCosineSchedule that = (WarmupCosineSchedule) o;
        return Double.compare(peak, that.peak) == 0
                && warmupIterations == that.warmupIterations
                && totalIterations == that.totalIterations
                && Double.compare(floor, that.floor) == 0
                && Double.compare(initial, that.initial) == 0;
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Objects.hash(peak, warmupIterations, totalIterations, floor, initial);
    }

    /** @return {@code WarmupCosineSchedule(peak=..., warmupIterations=..., ...)} */
    @Override
    public String toString() {
        return "WarmupCosineSchedule(peak=" + peak + ", warmupIterations=" + warmupIterations
                + ", totalIterations=" + totalIterations + ", floor=" + floor + ", initial=" + initial + ")";
    }

    /** Builder for {@link WarmupCosineSchedule}; see {@link WarmupCosineSchedule#builder()}. */
    public static final class Builder {
        private Double peak;
        private int warmupIterations = DEFAULT_WARMUP_ITERATIONS;
        private Integer totalIterations;
        private double floor = DEFAULT_FLOOR;
        private double initial = DEFAULT_INITIAL;

        private Builder() {
        }

        /**
         * @param peak P, required
         * @return this builder
         */
        public Builder peak(double peak) {
            this.peak = peak;
            return this;
        }

        /**
         * @param warmupIterations W, default {@value WarmupCosineSchedule#DEFAULT_WARMUP_ITERATIONS}
         * @return this builder
         */
        public Builder warmupIterations(int warmupIterations) {
            this.warmupIterations = warmupIterations;
            return this;
        }

        /**
         * @param totalIterations T, required
         * @return this builder
         */
        public Builder totalIterations(int totalIterations) {
            this.totalIterations = totalIterations;
            return this;
        }

        /**
         * @param floor F, default {@value WarmupCosineSchedule#DEFAULT_FLOOR}
         * @return this builder
         */
        public Builder floor(double floor) {
            this.floor = floor;
            return this;
        }

        /**
         * @param initial I, default {@value WarmupCosineSchedule#DEFAULT_INITIAL}
         * @return this builder
         */
        public Builder initial(double initial) {
            this.initial = initial;
            return this;
        }

        /**
         * @return the schedule
         * @throws IllegalStateException {@code "Missing required value: peak"} (or {@code totalIterations})
         * @throws IllegalArgumentException as the constructor does
         */
        public WarmupCosineSchedule build() {
            return new WarmupCosineSchedule(Checks.required("peak", peak), warmupIterations,
                    Checks.required("totalIterations", totalIterations), floor, initial);
        }
    }
}
