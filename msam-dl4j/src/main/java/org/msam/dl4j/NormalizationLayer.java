package org.msam.dl4j;

/**
 * Implemented by the configuration of a custom DL4J layer (a {@code SameDiffLayer} LayerNorm, say) whose parameters
 * include a normalisation's affine γ and β, so that BN-only SAM and MSAM ({@code normalizationOnly(true)}) perturb
 * them. DL4J's own {@code BatchNormalization} needs nothing.
 */
public interface NormalizationLayer {
    /**
     * @param paramName a parameter of the layer
     * @return true when it is a normalisation's γ or β
     */
    boolean isNormalizationParam(String paramName);
}
