package org.msam.rule;

/** Messages the rules share. */
final class RuleChecks {
    /** @return the message for a BN-only rule on a model without normalisation parameters */
    static String noNormalizationParameters(String rule) {
        return "BN-only " + rule + " (normalizationOnly(true)) perturbs the γ and β of normalisation layers, and this "
                + "model has none: add BatchNormalization (or LayerNorm) layers, or build the optimizer with "
                + "normalizationOnly(false).";
    }

    /**
     * @param rule      the rule's name
     * @param norm      the global norm of the gradient the rule is about to use
     * @param iteration the iteration
     * @param epoch     its epoch
     * @throws ArithmeticException when the norm is not finite: the rule has changed nothing yet
     */
    static void requireFiniteGradientNorm(String rule, double norm, int iteration, int epoch) {
        if (!Double.isFinite(norm)) {
            throw new ArithmeticException(rule + ": non-finite gradient at iteration " + iteration + " (epoch " + epoch
                    + "): its norm is " + norm + ". The step was not applied and the optimizer state is unchanged. "
                    + "Lower the learning rate or rho, or check the inputs for NaN/Inf.");
        }
    }

    /**
     * Reads every updater's learning rate for the step, so that a schedule returning a non-finite value refuses the
     * step before anything changes (the library's own schedules and bases throw naming the schedule; any other base
     * is checked here).
     *
     * @param rule      the rule's name
     * @param updaters  the rule's updaters
     * @param iteration the iteration
     * @param epoch     its epoch
     * @throws ArithmeticException when a learning rate is not finite
     */
    static void requireFiniteLearningRates(String rule,
                                           Iterable<? extends org.nd4j.linalg.learning.GradientUpdater<?>> updaters,
                                           int iteration, int epoch) {
        for (org.nd4j.linalg.learning.GradientUpdater<?> u : updaters) {
            double lr = u.getConfig().getLearningRate(iteration, epoch);
            if (!Double.isFinite(lr)) {
                throw new ArithmeticException(rule + ": the learning rate is " + lr + " at iteration " + iteration
                        + " (epoch " + epoch + "): check the learning-rate schedule");
            }
        }
    }

    private RuleChecks() {
    }
}
