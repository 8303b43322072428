package org.msam.rule;

/** What a trainable variable is, as far as a rule cares (BN-only rules perturb {@link #NORMALIZATION} only). */
public enum ParamKind {
    /** A weight matrix or kernel. */
    WEIGHT,
    /** A bias, or any other trainable parameter that is neither a weight nor a normalisation parameter. */
    BIAS,
    /** The affine parameters γ and β of a normalisation layer (BatchNorm, LayerNorm). */
    NORMALIZATION
}
