package org.msam.config;

/** Validation of hyper-parameters, with messages in PyTorch's style ("Invalid momentum value: -0.1"). */
final class Checks {
    private Checks() {
    }

    static double finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("Invalid " + name + " value: " + value + " (must be finite)");
        }
        return value;
    }

    static double nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid " + name + " value: " + value
                    + " (must be finite and >= 0)");
        }
        return value;
    }

    static double unitInterval(String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("Invalid " + name + " value: " + value
                    + " (must be in [0, 1))");
        }
        return value;
    }
}
