package org.msam.rules;

/**
 * The published scale of a rule's perturbation radius ρ: rules on one scale take the same ρ in a recipe (the paper's
 * WRN recipe: 0.2 for SAM and the rules taking SAM steps, 1 for adaptive SAM, 3 for MSAM and its forms), so that a
 * recipe gives one ρ per scale rather than one per rule.
 */
public enum RhoScale {
    /** SAM's ρ, the radius of the normalised gradient step (Foret et al. 2021: 0.05 on CIFAR). */
    SAM,
    /** Adaptive SAM's ρ, a radius in the scaled weight space (Kwon et al. 2021: 0.5 to 2). */
    ADAPTIVE_SAM,
    /** MSAM's ρ, the radius along the normalised momentum (Becker et al.: 3 for WRN, ResNet and ViT). */
    MSAM
}
