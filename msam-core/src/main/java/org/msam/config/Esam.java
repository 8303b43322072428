package org.msam.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.msam.rule.EsamRule;
import org.msam.rule.Need;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.msam.updater.SamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * ESAM (Du et al. 2022b, "Efficient Sharpness-aware Minimization for Improved Training of Neural Networks", arXiv
 * 2110.03141) over any base optimizer: SAM with stochastic weight perturbation (SWP) and sharpness-sensitive data
 * selection (SDS), docs/ALGORITHMS.md, section "ESAM":
 * <pre>
 *   g = ∇L_B(θ), with the per-sample losses ℓ_i(θ)
 *   SWP:  m_j ∈ {0, 1} per trainable variable j, kept (m_j = 1) with probability β
 *         e = (ρ/β)·m⊙g/(‖m⊙g‖ + δ)
 *   SDS:  ℓ_i(θ + e) from a forward-only pass;  B⁺ = the ⌈γ·|B|⌉ samples with the largest ℓ_i(θ + e) − ℓ_i(θ)
 *   g⁺ = ∇L_B⁺(θ + e)        a second pass over B⁺ only, mean over B⁺
 *   e is removed; base step with g⁺
 * </pre>
 * δ = 1e-12 and the norm is global. The mask is a pure function of the seed, the iteration and the variable's
 * index ({@link EsamRule#keeps}), so a run is reproducible and a resumed run draws the same masks without any saved
 * stream position. β = γ = 1 is {@link Sam} exactly (then no forward-only pass runs). BatchNorm running statistics
 * and the reported loss come from the first pass only.
 *
 * <p><b>Where it differs from Du et al.'s code.</b> ℓ_i(θ) are recorded from the first pass on DL4J networks;
 * ℓ_i(θ + e) come from a forward-only pass in training mode, which draws its own dropout masks. A step costs one
 * pass, one forward-only pass and a pass over γ·|B| samples; the weight masks save no backward work in DL4J, which
 * computes every weight gradient. On SameDiff, whose loss variable is already reduced over the mini-batch, only
 * γ = 1 is supported.
 *
 * <p>State: the base optimizer's. Memory: SAM's (one copy of the perturbed weights) plus 2·|B| losses.
 *
 * <pre>{@code
 * IUpdater esam = Esam.builder().base(SgdMomentum.builder().learningRate(0.1).build()).rho(0.05)
 *         .weightFraction(0.5).sampleFraction(0.5).seed(1).build();
 * }</pre>
 */
public final class Esam implements SharpnessAwareConfig {
    private static final long serialVersionUID = 1L;

    /** Default ρ: {@value} (SAM's). */
    public static final double DEFAULT_RHO = 0.05;
    /** Default weight fraction β: {@value} (the MSAM paper's comparison). */
    public static final double DEFAULT_WEIGHT_FRACTION = 0.5;
    /** Default sample fraction γ: {@value} (the MSAM paper's comparison). */
    public static final double DEFAULT_SAMPLE_FRACTION = 0.5;
    /** Default seed of the weight masks: {@value}. */
    public static final long DEFAULT_SEED = 1;

    @JsonProperty("base")
    private final IUpdater base;
    @JsonProperty("rho")
    private final double rho;
    @JsonProperty("weightFraction")
    private final double weightFraction;
    @JsonProperty("sampleFraction")
    private final double sampleFraction;
    @JsonProperty("seed")
    private final long seed;

    @JsonCreator
    private Esam(@JsonProperty("base") IUpdater base, @JsonProperty("rho") double rho,
                 @JsonProperty("weightFraction") double weightFraction,
                 @JsonProperty("sampleFraction") double sampleFraction, @JsonProperty("seed") long seed) {
        if (base == null) {
            throw new IllegalArgumentException("Esam requires a base optimizer, e.g. SgdMomentum or AdamW");
        }
        if (base instanceof SharpnessAwareConfig) {
            throw new IllegalArgumentException("Esam cannot wrap " + base.getClass().getSimpleName()
                    + ": use a plain optimizer as the base");
        }
        this.base = base;
        this.rho = Checks.nonNegative("rho", rho);
        this.weightFraction = fraction("weightFraction", weightFraction);
        this.sampleFraction = fraction("sampleFraction", sampleFraction);
        this.seed = seed;
    }

    private static double fraction(String name, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException("Invalid " + name + " value: " + value + " (must be in (0, 1])");
        }
        return value;
    }

    /** @return a builder with the defaults (a base optimizer must be set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().base(base).rho(rho).weightFraction(weightFraction).sampleFraction(sampleFraction)
                .seed(seed);
    }

    @Override
    public IUpdater getBase() {
        return base;
    }

    /** @return ρ */
    public double getRho() {
        return rho;
    }

    /** @return the weight fraction β */
    public double getWeightFraction() {
        return weightFraction;
    }

    /** @return the sample fraction γ */
    public double getSampleFraction() {
        return sampleFraction;
    }

    /** @return the seed of the weight masks */
    public long getSeed() {
        return seed;
    }

    /** @return true when the ESAM part (ρ, β, γ, seed) is the same as {@code other}'s */
    public boolean sameRule(Esam other) {
        return Double.compare(rho, other.rho) == 0 && Double.compare(weightFraction, other.weightFraction) == 0
                && Double.compare(sampleFraction, other.sampleFraction) == 0 && seed == other.seed;
    }

    /** @return the second pass; with a sample fraction γ &lt; 1, per-sample losses and a pass on part of the mini-batch */
    @Override
    public Set<Need> needs() {
        EnumSet<Need> n = EnumSet.of(Need.SECOND_PASS);
        if (sampleFraction < 1) {
            n.add(Need.SAMPLE_LOSSES);
        }
        return n;
    }

    @Override
    public SharpnessRule newRule(List<Variable> variables) {
        return new EsamRule(this, variables);
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new SamUpdater<>(this, base.instantiate(viewArray, initializeViewArray), "ESAM");
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return new SamUpdater<>(this, base.instantiate(updaterState, initializeStateArrays), "ESAM");
    }

    @Override
    public Esam clone() {
        return new Esam(base.clone(), rho, weightFraction, sampleFraction, seed);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Esam)) {
            return false;
        }
        Esam other = (Esam) o;
        return base.equals(other.base) && sameRule(other);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, rho, weightFraction, sampleFraction, seed);
    }

    @Override
    public String toString() {
        return "Esam(base=" + base + ", rho=" + rho + ", weightFraction=" + weightFraction + ", sampleFraction="
                + sampleFraction + ", seed=" + seed + ")";
    }

    /** Builder for {@link Esam}; validation happens in {@link #build()}. */
    public static final class Builder {
        private IUpdater base;
        private double rho = DEFAULT_RHO;
        private double weightFraction = DEFAULT_WEIGHT_FRACTION;
        private double sampleFraction = DEFAULT_SAMPLE_FRACTION;
        private long seed = DEFAULT_SEED;

        private Builder() {
        }

        /** @param base the base optimizer (any ND4J or msam updater that is not sharpness-aware itself) */
        public Builder base(IUpdater base) {
            this.base = base;
            return this;
        }

        /** @param rho perturbation radius ρ ≥ 0, default {@value Esam#DEFAULT_RHO} */
        public Builder rho(double rho) {
            this.rho = rho;
            return this;
        }

        /**
         * @param weightFraction β in (0, 1]: the probability that a trainable variable is perturbed, default
         *                       {@value Esam#DEFAULT_WEIGHT_FRACTION}
         */
        public Builder weightFraction(double weightFraction) {
            this.weightFraction = weightFraction;
            return this;
        }

        /**
         * @param sampleFraction γ in (0, 1]: the fraction of the mini-batch the second pass runs on, default
         *                       {@value Esam#DEFAULT_SAMPLE_FRACTION}
         */
        public Builder sampleFraction(double sampleFraction) {
            this.sampleFraction = sampleFraction;
            return this;
        }

        /** @param seed the seed of the weight masks, default {@value Esam#DEFAULT_SEED} */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "Esam requires a base optimizer, e.g. SgdMomentum or AdamW",
         *     "Esam cannot wrap …", "Invalid rho value: …", "Invalid weightFraction value: …" or "Invalid
         *     sampleFraction value: …"
         */
        public Esam build() {
            return new Esam(base == null ? null : base.clone(), rho, weightFraction, sampleFraction, seed);
        }
    }
}
