package org.msam.rule;

/** Messages the rules share. */
final class RuleChecks {
    /** A BN-only rule on a model without normalisation parameters; {rule} is replaced by the rule's name. */
    static final String NO_NORMALIZATION_PARAMETERS = "BN-only {rule} (normalizationOnly(true)) perturbs the γ and β of"
            + " normalisation layers, and this model has none: add BatchNormalization (or LayerNorm) layers, or build"
            + " the optimizer with normalizationOnly(false).";

    private RuleChecks() {
    }
}
