package org.msam.schedule;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A constant: {@code value(t, e) = value} for every iteration t and epoch e.
 *
 * <p>Same values as ND4J's {@link org.nd4j.linalg.schedule.FixedSchedule}, which has no {@code equals}:
 * a {@code FixedSchedule} in two layers' updaters keeps DL4J from merging them into one updater block, and
 * a configuration holding one never compares equal to its own JSON round trip. This class compares by
 * value. PyTorch needs no counterpart (a constant is simply the optimizer's {@code lr}).
 *
 * <p>Negative values are allowed (a ρ below 0 is a legitimate, if harmful, MSAM setting).
 */
public final class ConstantSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    /** The constant. */
    private final double value;

    /**
     * @param value the constant; must be finite
     * @throws IllegalArgumentException {@code "Invalid value: NaN (must be finite)"} for NaN or an infinity
     */
    @JsonCreator
    public ConstantSchedule(@JsonProperty("value") double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("Invalid value: " + value + " (must be finite)");
        }
        this.value = value;
    }

    /** @return {@link #getValue()}, whatever the iteration and epoch */
    @Override
    public double valueAt(int iteration, int epoch) {
        return value;
    }

    /** @return the constant */
    public double getValue() {
        return value;
    }

    /** @return an equal, distinct instance */
    @Override
    public ConstantSchedule clone() {
        return new ConstantSchedule(value);
    }

    /** Equal when the values are equal (compared as by {@link Double#compare}). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass()) {
            return false;
        }
        return Double.compare(value, ((ConstantSchedule) o).value) == 0;
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Double.hashCode(value);
    }

    /** @return {@code ConstantSchedule(value=...)} */
    @Override
    public String toString() {
        return "ConstantSchedule(value=" + value + ")";
    }
}
