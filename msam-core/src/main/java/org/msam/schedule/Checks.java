package org.msam.schedule;

import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Argument checks and the unit counter shared by the schedules of this package.
 *
 * <p>Messages follow PyTorch's optimizers: {@code "Invalid <name> value: <value> (<requirement>)"}.
 */
final class Checks {

    private Checks() {
    }

    /** Rejects a negative count: {@code "Invalid <name> value: -1 (must be >= 0)"}. */
    static int nonNegative(String name, int value) {
        if (value < 0) {
            throw invalid(name, value, "must be >= 0");
        }
        return value;
    }

    /** Rejects NaN and infinities: {@code "Invalid <name> value: NaN (must be finite)"}. */
    static double finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw invalid(name, value, "must be finite");
        }
        return value;
    }

    /** Rejects NaN, infinities and negative values: {@code "... (must be finite and >= 0)"}. */
    static double finiteNonNegative(String name, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw invalid(name, value, "must be finite and >= 0");
        }
        return value;
    }

    /** Rejects null: {@code "Invalid <name> value: null (must not be null)"}. */
    static <T> T notNull(String name, T value) {
        if (value == null) {
            throw invalid(name, null, "must not be null");
        }
        return value;
    }

    /** The message shared by every rejected argument. */
    static IllegalArgumentException invalid(String name, Object value, String requirement) {
        return new IllegalArgumentException("Invalid " + name + " value: " + value + " (" + requirement + ")");
    }

    /** A builder's value that has no default and was never set: {@code "Missing required value: <name>"}. */
    static <T> T required(String name, T value) {
        if (value == null) {
            throw new IllegalStateException("Missing required value: " + name);
        }
        return value;
    }

    /** The counter a schedule of the given type follows: the iteration or the epoch. */
    static int unit(ScheduleType type, int iteration, int epoch) {
        return type == ScheduleType.EPOCH ? epoch : iteration;
    }
}
