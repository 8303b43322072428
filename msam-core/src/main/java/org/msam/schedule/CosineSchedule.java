package org.msam.schedule;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A half cosine from one value to another over a number of iterations or epochs, then constant.
 *
 * <p>With u the iteration or the epoch (by {@link ScheduleType}), start {@code initial}, end {@code last}
 * and length L:
 * <pre>
 *   value(u) = last + (initial − last)·(1 + cos(π·(min(u, L)/L)))/2    (exactly {@code last} for u ≥ L;
 *                                                                     L = 0 means {@code last} at once)
 * </pre>
 * The value may rise ({@code last > initial}) as well as fall, and may be negative.
 *
 * <p>Compared with PyTorch: for u ≤ L this is the closed form of
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR(T_max=L, eta_min=last)} with base value
 * {@code initial}. Past L, PyTorch follows the cosine back up (period 2L); this schedule holds
 * {@code last}. For a warm-up in front, wrap it in {@link WarmupSchedule} or use
 * {@link WarmupCosineSchedule}.
 *
 * <pre>{@code
 * ISchedule lr = CosineSchedule.builder()
 *         .scheduleType(ScheduleType.EPOCH).initial(0.5).length(200).build();   // 0.5 → 0 over 200 epochs
 * }</pre>
 */
public final class CosineSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    /** Default end value, the value from u = L on: {@value}. */
    public static final double DEFAULT_LAST = 0.0;

    /** Whether u is the iteration or the epoch. */
    private final ScheduleType scheduleType;
    /** The value at u = 0. */
    private final double initial;
    /** The value from u = L on. */
    private final double last;
    /** L, the decay length. */
    private final int length;

    /**
     * @param scheduleType whether u is the iteration or the epoch; not null
     * @param initial      the value at u = 0; finite
     * @param last         the value from u = L on; finite
     * @param length       L, in units of {@code scheduleType}; {@code >= 0}
     * @throws IllegalArgumentException {@code "Invalid scheduleType value: null (must not be null)"},
     *         {@code "Invalid initial value: NaN (must be finite)"}, {@code "Invalid last value: Infinity
     *         (must be finite)"} or {@code "Invalid length value: -1 (must be >= 0)"}
     */
    @JsonCreator
    public CosineSchedule(@JsonProperty("scheduleType") ScheduleType scheduleType,
                          @JsonProperty("initial") double initial,
                          @JsonProperty("last") double last,
                          @JsonProperty("length") int length) {
        this.scheduleType = Checks.notNull("scheduleType", scheduleType);
        this.initial = Checks.finite("initial", initial);
        this.last = Checks.finite("last", last);
        this.length = Checks.nonNegative("length", length);
    }

    /**
     * A builder; {@code scheduleType}, {@code initial} and {@code length} are required, {@code last}
     * defaults to {@link #DEFAULT_LAST}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the value from the formula in the class comment, u taken from {@code iteration} or {@code epoch} */
    @Override
    public double valueAt(int iteration, int epoch) {
        int u = Checks.unit(scheduleType, iteration, epoch);
        if (u >= length) {
            return last;
        }
        return last + (initial - last) * (1 + Math.cos(Math.PI * ((double) u / length))) / 2;
    }

    /** @return whether u is the iteration or the epoch */
    public ScheduleType getScheduleType() {
        return scheduleType;
    }

    /** @return the value at u = 0 */
    public double getInitial() {
        return initial;
    }

    /** @return the value from u = L on */
    public double getLast() {
        return last;
    }

    /** @return L, the decay length */
    public int getLength() {
        return length;
    }

    /** @return an equal, distinct instance */
    @Override
    public CosineSchedule clone() {
        return new CosineSchedule(scheduleType, initial, last, length);
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
        CosineSchedule that = (CosineSchedule) o;
        return scheduleType == that.scheduleType
                && Double.compare(initial, that.initial) == 0
                && Double.compare(last, that.last) == 0
                && length == that.length;
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Objects.hash(scheduleType, initial, last, length);
    }

    /** @return {@code CosineSchedule(scheduleType=..., initial=..., last=..., length=...)} */
    @Override
    public String toString() {
        return "CosineSchedule(scheduleType=" + scheduleType + ", initial=" + initial + ", last=" + last
                + ", length=" + length + ")";
    }

    /** Builder for {@link CosineSchedule}; see {@link CosineSchedule#builder()}. */
    public static final class Builder {
        private ScheduleType scheduleType;
        private Double initial;
        private double last = DEFAULT_LAST;
        private Integer length;

        private Builder() {
        }

        /**
         * @param scheduleType whether u is the iteration or the epoch, required
         * @return this builder
         */
        public Builder scheduleType(ScheduleType scheduleType) {
            this.scheduleType = scheduleType;
            return this;
        }

        /**
         * @param initial the value at u = 0, required
         * @return this builder
         */
        public Builder initial(double initial) {
            this.initial = initial;
            return this;
        }

        /**
         * @param last the value from u = L on, default {@value CosineSchedule#DEFAULT_LAST}
         * @return this builder
         */
        public Builder last(double last) {
            this.last = last;
            return this;
        }

        /**
         * @param length L, required
         * @return this builder
         */
        public Builder length(int length) {
            this.length = length;
            return this;
        }

        /**
         * @return the schedule
         * @throws IllegalStateException {@code "Missing required value: scheduleType"} (or {@code initial},
         *         {@code length})
         * @throws IllegalArgumentException as the constructor does
         */
        public CosineSchedule build() {
            return new CosineSchedule(Checks.required("scheduleType", scheduleType),
                    Checks.required("initial", initial), last, Checks.required("length", length));
        }
    }
}
