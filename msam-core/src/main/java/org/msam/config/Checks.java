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

    /**
     * @param owner     the configuration, e.g. {@code SgdMomentum}
     * @param field     the schedule's field, e.g. {@code learningRateSchedule}
     * @param what      the hyper-parameter, e.g. {@code the learning rate}
     * @param schedule  the schedule
     * @param iteration the iteration it was evaluated at
     * @param epoch     the epoch
     * @return the schedule's value
     * @throws ArithmeticException when the value is not finite: it is read before the step that would use it, so
     *                             that step is refused with the parameters and the optimizer state unchanged
     */
    static double scheduled(String owner, String field, String what, org.nd4j.linalg.schedule.ISchedule schedule,
                            int iteration, int epoch) {
        double v = schedule.valueAt(iteration, epoch);
        if (!Double.isFinite(v)) {
            throw new ArithmeticException(owner + "." + field + " (" + schedule.getClass().getName() + ": "
                    + schedule + ") returned " + v + " for " + what + " at iteration " + iteration + ", epoch "
                    + epoch + ". The step that would use it was refused before it began: the parameters and the "
                    + "optimizer state are unchanged. Fix the schedule so that it returns a finite value at every "
                    + "iteration and epoch.");
        }
        return v;
    }
}
