package org.msam.schedule;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A straight line from one value to another over a number of iterations or epochs, then constant.
 *
 * <p>With u the iteration or the epoch (by {@link ScheduleType}), start {@code from}, end {@code to} and
 * length L:
 * <pre>
 *   value(u) = from + (to − from)·min(u, L)/L      (exactly {@code to} for u ≥ L; L = 0 means {@code to} at once)
 * </pre>
 * This is the ρ ramp ("increase ρ linearly over the first N epochs"). Values may be negative.
 *
 * <p>Compared with PyTorch: {@code torch.optim.lr_scheduler.LinearLR(start_factor=from/base,
 * end_factor=to/base, total_iters=L)} gives the same line in closed form, but takes factors of a base
 * value (start factor in (0, 1], end factor in [0, 1]) rather than the values themselves, so it can
 * neither start at 0 nor end above the base value.
 *
 * <pre>{@code
 * ISchedule rho = LinearRampSchedule.builder()
 *         .scheduleType(ScheduleType.EPOCH).to(3.0).length(10).build();   // 0 → 3 over 10 epochs
 * }</pre>
 */
public final class LinearRampSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    /** Default start value, the value at u = 0: {@value}. */
    public static final double DEFAULT_FROM = 0.0;

    /** Whether u is the iteration or the epoch. */
    private final ScheduleType scheduleType;
    /** The value at u = 0. */
    private final double from;
    /** The value from u = L on. */
    private final double to;
    /** L, the ramp length. */
    private final int length;

    /**
     * @param scheduleType whether u is the iteration or the epoch; not null
     * @param from         the value at u = 0; finite
     * @param to           the value from u = L on; finite
     * @param length       L, in units of {@code scheduleType}; {@code >= 0}
     * @throws IllegalArgumentException {@code "Invalid scheduleType value: null (must not be null)"},
     *         {@code "Invalid from value: NaN (must be finite)"}, {@code "Invalid to value: Infinity (must be
     *         finite)"} or {@code "Invalid length value: -1 (must be >= 0)"}
     */
    @JsonCreator
    public LinearRampSchedule(@JsonProperty("scheduleType") ScheduleType scheduleType,
                              @JsonProperty("from") double from,
                              @JsonProperty("to") double to,
                              @JsonProperty("length") int length) {
        this.scheduleType = Checks.notNull("scheduleType", scheduleType);
        this.from = Checks.finite("from", from);
        this.to = Checks.finite("to", to);
        this.length = Checks.nonNegative("length", length);
    }

    /**
     * A builder; {@code scheduleType}, {@code to} and {@code length} are required, {@code from} defaults to
     * {@link #DEFAULT_FROM}.
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
            return to;
        }
        return from + (to - from) * u / length;
    }

    /** @return whether u is the iteration or the epoch */
    public ScheduleType getScheduleType() {
        return scheduleType;
    }

    /** @return the value at u = 0 */
    public double getFrom() {
        return from;
    }

    /** @return the value from u = L on */
    public double getTo() {
        return to;
    }

    /** @return L, the ramp length */
    public int getLength() {
        return length;
    }

    /** @return an equal, distinct instance */
    @Override
    public LinearRampSchedule clone() {
        return new LinearRampSchedule(scheduleType, from, to, length);
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
        LinearRampSchedule that = (LinearRampSchedule) o;
        return scheduleType == that.scheduleType
                && Double.compare(from, that.from) == 0
                && Double.compare(to, that.to) == 0
                && length == that.length;
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Objects.hash(scheduleType, from, to, length);
    }

    /** @return {@code LinearRampSchedule(scheduleType=..., from=..., to=..., length=...)} */
    @Override
    public String toString() {
        return "LinearRampSchedule(scheduleType=" + scheduleType + ", from=" + from + ", to=" + to
                + ", length=" + length + ")";
    }

    /** Builder for {@link LinearRampSchedule}; see {@link LinearRampSchedule#builder()}. */
    public static final class Builder {
        private ScheduleType scheduleType;
        private double from = DEFAULT_FROM;
        private Double to;
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
         * @param from the value at u = 0, default {@value LinearRampSchedule#DEFAULT_FROM}
         * @return this builder
         */
        public Builder from(double from) {
            this.from = from;
            return this;
        }

        /**
         * @param to the value from u = L on, required
         * @return this builder
         */
        public Builder to(double to) {
            this.to = to;
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
         * @throws IllegalStateException {@code "Missing required value: scheduleType"} (or {@code to},
         *         {@code length})
         * @throws IllegalArgumentException as the constructor does
         */
        public LinearRampSchedule build() {
            return new LinearRampSchedule(Checks.required("scheduleType", scheduleType), from,
                    Checks.required("to", to), Checks.required("length", length));
        }
    }
}
