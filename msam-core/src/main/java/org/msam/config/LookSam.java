package org.msam.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.msam.rule.LookSamRule;
import org.msam.rule.Need;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.msam.updater.LookSamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * LookSAM (Liu et al. 2022, "Towards Efficient and Scalable Sharpness-Aware Minimization", arXiv 2203.02714) over
 * any base optimizer: a SAM step every k-th iteration, and in between the gradient plus the part of SAM's gradient
 * orthogonal to it that the last SAM step measured (docs/ALGORITHMS.md, section "LookSAM"):
 * <pre>
 *   t mod k = 0 (two passes):  g = ∇L_B(θ);  e = ρ·g/(‖g‖ + δ);  g_s = ∇L_B(θ + e)
 *                              g_v = g_s − (⟨g_s, g⟩/(‖g‖² + δ))·g        stored
 *                              base step with g_s
 *   otherwise (one pass):      g = ∇L_B(θ);  g_s = g + α·(‖g‖/(‖g_v‖ + δ))·g_v;  base step with g_s
 * </pre>
 * t is DL4J's iteration counter (iteration 0 is a SAM step); δ = 1e-12 and the norms are global. k = 1 is SAM
 * exactly; α = 0 is the base optimizer between the SAM steps. Cost ≈ (k + 1)/k passes per step.
 *
 * <p>State per block: the base optimizer's, then g_v laid out like the block's parameters (saved with the model, so
 * a resumed run follows the uninterrupted one). Memory: g_v, plus a copy of g during the SAM steps and one of θ
 * for the ascent. On SameDiff, which steps each variable as soon as its gradient exists, the steps between refreshes
 * need ‖g‖ before the pass and take one more pass for it.
 *
 * <pre>{@code
 * IUpdater looksam = LookSam.builder().base(SgdMomentum.builder().learningRate(0.1).build()).rho(0.1).period(5)
 *         .alpha(0.7).build();
 * }</pre>
 */
public final class LookSam implements SharpnessAwareConfig {
    private static final long serialVersionUID = 1L;

    /** Default ρ: {@value} (SAM's). */
    public static final double DEFAULT_RHO = 0.05;
    /** Default period k: {@value} (Liu et al.; also the MSAM paper's comparison). */
    public static final int DEFAULT_PERIOD = 5;
    /** Default α: {@value} (Liu et al.; the MSAM paper's comparison used 0.1). */
    public static final double DEFAULT_ALPHA = 0.7;

    @JsonProperty("base")
    private final IUpdater base;
    @JsonProperty("rho")
    private final double rho;
    @JsonProperty("period")
    private final int period;
    @JsonProperty("alpha")
    private final double alpha;

    @JsonCreator
    private LookSam(@JsonProperty("base") IUpdater base, @JsonProperty("rho") double rho,
                    @JsonProperty("period") int period, @JsonProperty("alpha") double alpha) {
        if (base == null) {
            throw new IllegalArgumentException("LookSam requires a base optimizer, e.g. SgdMomentum or AdamW");
        }
        if (base instanceof SharpnessAwareConfig) {
            throw new IllegalArgumentException("LookSam cannot wrap " + base.getClass().getSimpleName()
                    + ": use a plain optimizer as the base");
        }
        if (period < 1) {
            throw new IllegalArgumentException("Invalid period value: " + period + " (must be >= 1)");
        }
        this.base = base;
        this.rho = Checks.nonNegative("rho", rho);
        this.period = period;
        this.alpha = Checks.nonNegative("alpha", alpha);
    }

    /** @return a builder with the defaults (a base optimizer must be set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().base(base).rho(rho).period(period).alpha(alpha);
    }

    @Override
    public IUpdater getBase() {
        return base;
    }

    /** @return ρ */
    public double getRho() {
        return rho;
    }

    /** @return the period k */
    public int getPeriod() {
        return period;
    }

    /** @return α */
    public double getAlpha() {
        return alpha;
    }

    /** @return true when the LookSAM part (ρ, k, α) is the same as {@code other}'s */
    public boolean sameRule(LookSam other) {
        return Double.compare(rho, other.rho) == 0 && period == other.period
                && Double.compare(alpha, other.alpha) == 0;
    }

    /** @return SAM's second pass every k-th step, and the g_v term added to the step gradient between them */
    @Override
    public Set<Need> needs() {
        return EnumSet.of(Need.SECOND_PASS, Need.STEP_GRADIENT_TERM);
    }

    @Override
    public SharpnessRule newRule(List<Variable> variables) {
        return new LookSamRule(this, variables);
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams) + numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return LookSamUpdater.create(this, viewArray, initializeViewArray);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return LookSamUpdater.create(this, updaterState, initializeStateArrays);
    }

    @Override
    public LookSam clone() {
        return new LookSam(base.clone(), rho, period, alpha);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LookSam)) {
            return false;
        }
        LookSam other = (LookSam) o;
        return base.equals(other.base) && sameRule(other);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, rho, period, alpha);
    }

    @Override
    public String toString() {
        return "LookSam(base=" + base + ", rho=" + rho + ", period=" + period + ", alpha=" + alpha + ")";
    }

    /** Builder for {@link LookSam}; validation happens in {@link #build()}. */
    public static final class Builder {
        private IUpdater base;
        private double rho = DEFAULT_RHO;
        private int period = DEFAULT_PERIOD;
        private double alpha = DEFAULT_ALPHA;

        private Builder() {
        }

        /** @param base the base optimizer (any ND4J or msam updater that is not sharpness-aware itself) */
        public Builder base(IUpdater base) {
            this.base = base;
            return this;
        }

        /** @param rho perturbation radius ρ ≥ 0 of the SAM steps, default {@value LookSam#DEFAULT_RHO} */
        public Builder rho(double rho) {
            this.rho = rho;
            return this;
        }

        /** @param period k ≥ 1: a SAM step every k iterations, default {@value LookSam#DEFAULT_PERIOD} */
        public Builder period(int period) {
            this.period = period;
            return this;
        }

        /** @param alpha α ≥ 0, the weight of g_v between SAM steps, default {@value LookSam#DEFAULT_ALPHA} */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "LookSam requires a base optimizer, e.g. SgdMomentum or AdamW",
         *     "LookSam cannot wrap …", "Invalid rho value: …", "Invalid period value: …" or "Invalid alpha value: …"
         */
        public LookSam build() {
            return new LookSam(base == null ? null : base.clone(), rho, period, alpha);
        }
    }
}
