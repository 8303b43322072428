package org.msam.schedule;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Zero for a number of iterations or epochs, then another schedule (or a constant).
 *
 * <p>With u the iteration or the epoch (by {@link ScheduleType}) and N off units, at iteration t and
 * epoch e:
 * <pre>
 *   u &lt; N:   0
 *   u ≥ N:   inner(t, e)
 * </pre>
 * The inner schedule sees the same, unshifted counters. This is the ViT recipe for ρ: "ρ = 0 during the
 * first 8 warm-up epochs, then full", {@code new OffThenOnSchedule(ScheduleType.EPOCH, 8, 3.0)}. With ρ = 0,
 * MSAM and SAM reduce to their base optimizer, so the warm-up runs unperturbed. PyTorch has no
 * counterpart (there ρ is not a scheduled optimizer field).
 *
 * <p>A constant is held as a {@link ConstantSchedule}: {@code new OffThenOnSchedule(EPOCH, 8, 3.0)} equals
 * {@code new OffThenOnSchedule(EPOCH, 8, new ConstantSchedule(3.0))}.
 */
public final class OffThenOnSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    /** Whether u is the iteration or the epoch. */
    private final ScheduleType scheduleType;
    /** N, the number of units at 0. */
    private final int offUnits;
    /** The schedule from u = N on. */
    private final ISchedule inner;

    /**
     * @param scheduleType whether u is the iteration or the epoch; not null
     * @param offUnits     N, the number of units at 0; {@code >= 0}
     * @param inner        the schedule from u = N on; not null; should itself survive JSON
     * @throws IllegalArgumentException {@code "Invalid scheduleType value: null (must not be null)"},
     *         {@code "Invalid offUnits value: -1 (must be >= 0)"} or
     *         {@code "Invalid inner value: null (must not be null)"}
     */
    @JsonCreator
    public OffThenOnSchedule(@JsonProperty("scheduleType") ScheduleType scheduleType,
                             @JsonProperty("offUnits") int offUnits,
                             @JsonProperty("inner") ISchedule inner) {
        this.scheduleType = Checks.notNull("scheduleType", scheduleType);
        this.offUnits = Checks.nonNegative("offUnits", offUnits);
        this.inner = Checks.notNull("inner", inner);
    }

    /**
     * Zero, then a constant: the same as {@code new OffThenOnSchedule(scheduleType, offUnits,
     * new ConstantSchedule(value))}.
     *
     * @param scheduleType whether u is the iteration or the epoch; not null
     * @param offUnits     N, the number of units at 0; {@code >= 0}
     * @param value        the value from u = N on; finite
     * @throws IllegalArgumentException as {@link ConstantSchedule#ConstantSchedule(double)} and the main
     *         constructor do
     */
    public OffThenOnSchedule(ScheduleType scheduleType, int offUnits, double value) {
        this(scheduleType, offUnits, new ConstantSchedule(value));
    }

    /**
     * A builder; {@code scheduleType}, {@code offUnits} and one of {@code value} or {@code inner} are
     * required (the later call wins).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the value from the formula in the class comment, u taken from {@code iteration} or {@code epoch} */
    @Override
    public double valueAt(int iteration, int epoch) {
        if (Checks.unit(scheduleType, iteration, epoch) < offUnits) {
            return 0.0;
        }
        return inner.valueAt(iteration, epoch);
    }

    /** @return whether u is the iteration or the epoch */
    public ScheduleType getScheduleType() {
        return scheduleType;
    }

    /** @return N, the number of units at 0 */
    public int getOffUnits() {
        return offUnits;
    }

    /** @return the schedule from u = N on */
    public ISchedule getInner() {
        return inner;
    }

    /** @return an equal, distinct instance holding a clone of the inner schedule */
    @Override
    public OffThenOnSchedule clone() {
        return new OffThenOnSchedule(scheduleType, offUnits, inner.clone());
    }

    /** Equal when the inner schedules are {@code equals} and the other fields are equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass()) {
            return false;
        }
        OffThenOnSchedule that = (OffThenOnSchedule) o;
        return scheduleType == that.scheduleType
                && offUnits == that.offUnits
                && inner.equals(that.inner);
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Objects.hash(scheduleType, offUnits, inner);
    }

    /** @return {@code OffThenOnSchedule(scheduleType=..., offUnits=..., inner=...)} */
    @Override
    public String toString() {
        return "OffThenOnSchedule(scheduleType=" + scheduleType + ", offUnits=" + offUnits + ", inner=" + inner
                + ")";
    }

    /** Builder for {@link OffThenOnSchedule}; see {@link OffThenOnSchedule#builder()}. */
    public static final class Builder {
        private ScheduleType scheduleType;
        private Integer offUnits;
        private ISchedule inner;

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
         * @param offUnits N, required
         * @return this builder
         */
        public Builder offUnits(int offUnits) {
            this.offUnits = offUnits;
            return this;
        }

        /**
         * @param value the constant from u = N on (replaces any {@code inner})
         * @return this builder
         * @throws IllegalArgumentException {@code "Invalid value: NaN (must be finite)"}
         */
        public Builder value(double value) {
            this.inner = new ConstantSchedule(value);
            return this;
        }

        /**
         * @param inner the schedule from u = N on (replaces any {@code value})
         * @return this builder
         */
        public Builder inner(ISchedule inner) {
            this.inner = inner;
            return this;
        }

        /**
         * @return the schedule
         * @throws IllegalStateException {@code "Missing required value: scheduleType"} (or {@code offUnits},
         *         {@code "value or inner"})
         * @throws IllegalArgumentException as the constructor does
         */
        public OffThenOnSchedule build() {
            return new OffThenOnSchedule(Checks.required("scheduleType", scheduleType),
                    Checks.required("offUnits", offUnits), Checks.required("value or inner", inner));
        }
    }
}
