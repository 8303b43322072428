package org.msam.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.msam.rule.Need;
import org.msam.rule.ParamKind;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.SamRule;
import org.msam.rule.Variable;
import org.msam.updater.SamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Sharpness-aware minimisation (Foret et al. 2021) over any base optimizer, and its adaptive variant
 * ASAM (Kwon et al. 2021).
 *
 * <pre>
 *   g1 = ∇L_B(θ)                          first forward/backward
 *   e  = ρ·g1/(‖g1‖ + δ)                   (adaptive: e = ρ·T²·g1/(‖T·g1‖ + δ), T = |θ| + η_a)
 *   g2 = ∇L_B(θ + e)                      second forward/backward, same mini-batch
 *   θ ← base_step(θ, g2)                   e is removed before the base step
 * </pre>
 * with δ = 1e-12 and ‖·‖ the global norm over all trainable parameters. BatchNorm running statistics
 * come from the first pass only; the reported score is the first pass's. Cost: two passes per step.
 *
 * <p>The two passes are run by msam-dl4j's listener ({@code SharpnessAware.install(net)}); this
 * configuration records ρ in the model's JSON and delegates the base step. A {@code Sam} updater that
 * runs without its listener throws.
 *
 * <p><b>Differences from common PyTorch SAM code.</b> The gradient g1 excludes weight decay (the base
 * optimizer's {@code .l2}/AdamW decay is applied in the base step only), as in Foret et al.'s reference.
 *
 * <p>State: the base optimizer's. Memory: one parameter-sized backup of θ held by the listener.
 */
public final class Sam implements SharpnessAwareConfig {
    private static final long serialVersionUID = 1L;

    /** Default ρ: {@value} (Foret et al.'s default). */
    public static final double DEFAULT_RHO = 0.05;
    /** Default η_a of adaptive SAM: {@value}. */
    public static final double DEFAULT_ADAPTIVE_ETA = 0.01;

    @JsonProperty("base")
    private final IUpdater base;
    @JsonProperty("rho")
    private final double rho;
    @JsonProperty("adaptive")
    private final boolean adaptive;
    @JsonProperty("adaptiveEta")
    private final double adaptiveEta;
    @JsonProperty("normalizationOnly")
    private final boolean normalizationOnly;

    @JsonCreator
    private Sam(@JsonProperty("base") IUpdater base, @JsonProperty("rho") double rho,
                @JsonProperty("adaptive") boolean adaptive, @JsonProperty("adaptiveEta") double adaptiveEta,
                @JsonProperty("normalizationOnly") boolean normalizationOnly) {
        if (base == null) {
            throw new IllegalArgumentException("Sam requires a base optimizer, e.g. SgdMomentum or AdamW");
        }
        if (base instanceof Sam || base instanceof Msam) {
            throw new IllegalArgumentException("Sam cannot wrap " + base.getClass().getSimpleName()
                    + ": use a plain optimizer as the base");
        }
        this.base = base;
        this.rho = Checks.nonNegative("rho", rho);
        this.adaptive = adaptive;
        this.adaptiveEta = Checks.nonNegative("adaptiveEta", adaptiveEta);
        this.normalizationOnly = normalizationOnly;
    }

    /** @return a builder with the defaults (a base optimizer must be set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().base(base).rho(rho).adaptive(adaptive).adaptiveEta(adaptiveEta)
                .normalizationOnly(normalizationOnly);
    }

    @Override
    public IUpdater getBase() {
        return base;
    }

    /** @return ρ */
    public double getRho() {
        return rho;
    }

    /** @return whether adaptive SAM (ASAM) is used */
    public boolean isAdaptive() {
        return adaptive;
    }

    /** @return η_a of adaptive SAM */
    public double getAdaptiveEta() {
        return adaptiveEta;
    }

    /** @return true when only the normalisation layers' γ and β are perturbed (BN-only SAM) */
    public boolean isNormalizationOnly() {
        return normalizationOnly;
    }

    /** @return true when the sharpness-aware part (ρ, adaptive, η_a, which variables) is the same as {@code other}'s */
    public boolean samePerturbation(Sam other) {
        return Double.compare(rho, other.rho) == 0 && adaptive == other.adaptive
                && Double.compare(adaptiveEta, other.adaptiveEta) == 0 && normalizationOnly == other.normalizationOnly;
    }

    /**
     * @param kind a variable's kind
     * @return true when the perturbation acts on variables of this kind: every trainable variable, or with
     *     {@link Builder#normalizationOnly(boolean)} the normalisation layers' γ and β only
     */
    public boolean perturbs(ParamKind kind) {
        return !normalizationOnly || kind == ParamKind.NORMALIZATION;
    }

    /** @return the second pass at θ + ε; BN-only: normalisation layers */
    @Override
    public Set<Need> needs() {
        EnumSet<Need> n = EnumSet.of(Need.SECOND_PASS);
        if (normalizationOnly) {
            n.add(Need.NORMALIZATION_LAYERS);
        }
        return n;
    }

    @Override
    public SharpnessRule newRule(List<Variable> variables) {
        return new SamRule(this, variables);
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new SamUpdater<>(this, base.instantiate(viewArray, initializeViewArray), "SAM");
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return new SamUpdater<>(this, base.instantiate(updaterState, initializeStateArrays), "SAM");
    }

    @Override
    public Sam clone() {
        return new Sam(base.clone(), rho, adaptive, adaptiveEta, normalizationOnly);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Sam)) {
            return false;
        }
        Sam other = (Sam) o;
        return base.equals(other.base) && samePerturbation(other);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, rho, adaptive, adaptiveEta, normalizationOnly);
    }

    @Override
    public String toString() {
        return "Sam(base=" + base + ", rho=" + rho + ", adaptive=" + adaptive
                + (adaptive ? ", adaptiveEta=" + adaptiveEta : "") + (normalizationOnly ? ", normalizationOnly=true" : "")
                + ")";
    }

    /** Builder for {@link Sam}; validation happens in {@link #build()}. */
    public static final class Builder {
        private IUpdater base;
        private double rho = DEFAULT_RHO;
        private boolean adaptive;
        private double adaptiveEta = DEFAULT_ADAPTIVE_ETA;
        private boolean normalizationOnly;

        private Builder() {
        }

        /** @param base the base optimizer (any ND4J or msam updater except Sam/Msam) */
        public Builder base(IUpdater base) {
            this.base = base;
            return this;
        }

        /** @param rho perturbation radius ρ ≥ 0, default {@value Sam#DEFAULT_RHO} */
        public Builder rho(double rho) {
            this.rho = rho;
            return this;
        }

        /** @param adaptive adaptive SAM (ASAM), default false */
        public Builder adaptive(boolean adaptive) {
            this.adaptive = adaptive;
            return this;
        }

        /** @param adaptiveEta η_a ≥ 0 of adaptive SAM, default {@value Sam#DEFAULT_ADAPTIVE_ETA} */
        public Builder adaptiveEta(double adaptiveEta) {
            this.adaptiveEta = adaptiveEta;
            return this;
        }

        /**
         * @param normalizationOnly BN-only SAM (Mueller et al. 2023): perturb only the affine parameters γ and β of
         *                          the normalisation layers, with the norm over them only, default false
         *                          (docs/ALGORITHMS.md, "BN-only SAM and MSAM")
         */
        public Builder normalizationOnly(boolean normalizationOnly) {
            this.normalizationOnly = normalizationOnly;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "Sam requires a base optimizer, e.g. SgdMomentum or AdamW", "Sam cannot
         *     wrap …", "Invalid rho value: …" or "Invalid adaptiveEta value: …"
         */
        public Sam build() {
            return new Sam(base == null ? null : base.clone(), rho, adaptive, adaptiveEta, normalizationOnly);
        }
    }
}
