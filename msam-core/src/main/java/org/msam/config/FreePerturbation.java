package org.msam.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.msam.rule.FreePerturbationRule;
import org.msam.rule.Need;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.msam.updater.FreePerturbationUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The other perturbations that need no extra forward/backward pass (Becker et al. 2024, Appendix A.6, "Random and
 * last gradient perturbations"): MSAM's scheme with the momentum replaced by another direction d_t known before the
 * step's pass (docs/ALGORITHMS.md, section "Other gradient-free perturbations"):
 * <pre>
 *   d_t = +g_{t−1}   (LAST_GRADIENT: the previous step's gradient as the base optimizer received it; d_0 = 0)
 *   d_t = −g_{t−1}   (NEGATIVE_LAST_GRADIENT)
 *   d_t = ξ_t ~ N(0, I)   (RANDOM: drawn for each step from the seed and the step's iteration)
 *   absolute:  θ̃_t = θ_t − ρ·d_t/(‖d_t‖ + δ)
 *   relative:  θ̃_t = θ_t − ρ·(w ⊙ d_t)/(‖w ⊙ d_t‖ + δ),  w = |θ_t| element-wise
 *   g = ∇L_B(θ̃_t);  θ_t = θ̃_t − e_t (e_t = θ̃_t − θ_t, kept exactly);  base step on θ_t with g
 * </pre>
 * with δ = 1e-12 and the norms global over every trainable parameter of the model. The direction of step t + 1,
 * ê = −d/(‖d‖ + δ) (relative: of w ⊙ d), is computed after step t, when g_t is known, and step t + 1 applies ρ·ê with
 * its own ρ, as MSAM does (a ρ schedule that is 0 in an epoch leaves exactly that epoch's steps unperturbed). ê = 0
 * before the first step, so the first step is a plain base step, and ρ = 0 is the base optimizer exactly.
 * With d_t = v_t the absolute form would be MSAM ({@link Msam}); the paper reports that none of these directions
 * reaches SAM-like accuracy.
 *
 * <p>The random direction of step t is drawn from ND4J's generator seeded with a value mixed from {@link #getSeed()}
 * and t, over the trainable variables in the model's order: it is reproducible and needs no state of its own, so a
 * resumed run draws what the uninterrupted one would.
 *
 * <p>State per block: the base optimizer's, then ê (the unit direction of the next perturbation), then, for the
 * last-gradient directions, g_{t−1}, each laid out like the block's parameters; saved with the model, so a
 * restored model resumes exactly. A model saved with {@link StateLayout#V010} (before this form) keeps e = ρ·ê, with
 * ρ of the step that computed it, and is stepped as it was. Memory: the base optimizer's plus one parameter-sized array (two for the
 * last-gradient directions). Cost per step: one pass, as the base optimizer, plus element-wise work.
 *
 * <pre>{@code
 * IUpdater lastGradient = FreePerturbation.builder()
 *         .base(SgdMomentum.builder().learningRate(0.05).momentum(0.9).build())
 *         .direction(FreePerturbation.Direction.NEGATIVE_LAST_GRADIENT).relative(true).rho(0.5)
 *         .build();
 * }</pre>
 */
public final class FreePerturbation implements SharpnessAwareConfig {
    private static final long serialVersionUID = 1L;

    /** Default ρ: {@value} (MSAM's default). */
    public static final double DEFAULT_RHO = Msam.DEFAULT_RHO;

    /** Where the perturbation direction d_t comes from. */
    public enum Direction {
        /** d_t = +g_{t−1}, the previous step's gradient. */
        LAST_GRADIENT,
        /** d_t = −g_{t−1}. */
        NEGATIVE_LAST_GRADIENT,
        /** d_t = ξ_t ~ N(0, I), fresh at every step. */
        RANDOM;

        /** @return true when the direction is the previous step's gradient (kept in the state) */
        public boolean usesLastGradient() {
            return this != RANDOM;
        }
    }

    @JsonProperty("base")
    private final IUpdater base;
    @JsonProperty("direction")
    private final Direction direction;
    @JsonProperty("relative")
    private final boolean relative;
    @JsonProperty("rho")
    private final double rho;
    @JsonProperty("rhoSchedule")
    private final ISchedule rhoSchedule;
    @JsonProperty("seed")
    private final long seed;
    @JsonProperty("stateLayout")
    private final int stateLayout;

    @JsonCreator
    private FreePerturbation(@JsonProperty("base") IUpdater base, @JsonProperty("direction") Direction direction,
                             @JsonProperty("relative") boolean relative, @JsonProperty("rho") double rho,
                             @JsonProperty("rhoSchedule") ISchedule rhoSchedule, @JsonProperty("seed") long seed,
                             @JsonProperty("stateLayout") int stateLayout) {
        if (base == null) {
            throw new IllegalArgumentException("FreePerturbation requires a base optimizer, e.g. SgdMomentum or AdamW");
        }
        if (base instanceof SharpnessAwareConfig) {
            throw new IllegalArgumentException("FreePerturbation cannot wrap " + base.getClass().getSimpleName()
                    + ": use a plain optimizer as the base");
        }
        if (direction == null) {
            throw new IllegalArgumentException("FreePerturbation requires a direction: LAST_GRADIENT, "
                    + "NEGATIVE_LAST_GRADIENT or RANDOM");
        }
        this.base = base;
        this.direction = direction;
        this.relative = relative;
        this.rho = Checks.finite("rho", rho);
        this.rhoSchedule = rhoSchedule;
        this.seed = seed;
        this.stateLayout = StateLayout.check(stateLayout);
    }

    /** @return a builder with the defaults (a base optimizer and a direction must be set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().base(base).direction(direction).relative(relative).rho(rho).rhoSchedule(rhoSchedule)
                .seed(seed);
    }

    @Override
    public IUpdater getBase() {
        return base;
    }

    /** @return the direction d_t */
    public Direction getDirection() {
        return direction;
    }

    /** @return whether the relative form (w = |θ|) is used */
    public boolean isRelative() {
        return relative;
    }

    /** @return the constant ρ (used when there is no schedule) */
    public double getRho() {
        return rho;
    }

    /** @return the ρ schedule, or null */
    public ISchedule getRhoSchedule() {
        return rhoSchedule;
    }

    /** @return the seed of the random direction */
    public long getSeed() {
        return seed;
    }

    /**
     * @param iteration the iteration of the step just taken
     * @param epoch     its epoch
     * @return ρ_t
     * @throws ArithmeticException when the schedule returns a non-finite value
     */
    public double rhoAt(int iteration, int epoch) {
        return rhoSchedule == null ? rho
                : Checks.scheduled("FreePerturbation", "rhoSchedule", "rho", rhoSchedule, iteration, epoch);
    }

    /**
     * @param other another layer's configuration
     * @return what differs between this perturbation and {@code other}'s, in words, or null when they are the same
     *     (the perturbation is global, so every layer must share it; the base optimizer may differ)
     */
    public String perturbationDifference(FreePerturbation other) {
        if (direction != other.direction) {
            return "direction " + direction + " and " + other.direction;
        }
        if (relative != other.relative) {
            return "relative " + relative + " and " + other.relative;
        }
        if (Double.compare(rho, other.rho) != 0) {
            return "rho " + rho + " and " + other.rho;
        }
        if (!Msam.sameSchedule(rhoSchedule, other.rhoSchedule)) {
            return "rhoSchedule " + rhoSchedule + " and " + other.rhoSchedule;
        }
        if (seed != other.seed) {
            return "seed " + seed + " and " + other.seed;
        }
        return null;
    }

    /** @return the step's pass at θ̃ = θ + e */
    @Override
    public Set<Need> needs() {
        return EnumSet.of(Need.HELD_PERTURBATION);
    }

    @Override
    public SharpnessRule newRule(List<Variable> variables) {
        return new FreePerturbationRule(this, variables);
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams) + (direction.usesLastGradient() ? 2 : 1) * numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return FreePerturbationUpdater.create(this, viewArray, initializeViewArray);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return FreePerturbationUpdater.create(this, updaterState, initializeStateArrays);
    }

    /**
     * @return true for a configuration read from a model saved with {@link StateLayout#V010}, whose state keeps the
     *     perturbation scaled by ρ of the step that computed it
     */
    public boolean hasLegacyStateLayout() {
        return stateLayout == StateLayout.V010;
    }

    @Override
    public FreePerturbation clone() {
        return new FreePerturbation(base.clone(), direction, relative, rho,
                rhoSchedule == null ? null : rhoSchedule.clone(), seed, stateLayout);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FreePerturbation)) {
            return false;
        }
        FreePerturbation other = (FreePerturbation) o;
        return base.equals(other.base) && direction == other.direction && relative == other.relative
                && Double.compare(rho, other.rho) == 0 && Objects.equals(rhoSchedule, other.rhoSchedule)
                && seed == other.seed && stateLayout == other.stateLayout;
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, direction, relative, rho, rhoSchedule, seed);
    }

    @Override
    public String toString() {
        return "FreePerturbation(base=" + base + ", direction=" + direction + ", relative=" + relative + ", rho="
                + rho + (rhoSchedule == null ? "" : ", rhoSchedule=" + rhoSchedule) + ", seed=" + seed + ")";
    }

    /** Builder for {@link FreePerturbation}; validation happens in {@link #build()}. */
    public static final class Builder {
        private IUpdater base;
        private Direction direction;
        private boolean relative;
        private double rho = DEFAULT_RHO;
        private ISchedule rhoSchedule;
        private long seed;

        private Builder() {
        }

        /** @param base the base optimizer (any ND4J or msam updater that is not sharpness-aware itself) */
        public Builder base(IUpdater base) {
            this.base = base;
            return this;
        }

        /** @param direction where d_t comes from */
        public Builder direction(Direction direction) {
            this.direction = direction;
            return this;
        }

        /** @param relative true for the relative form (w = |θ|), default false (absolute) */
        public Builder relative(boolean relative) {
            this.relative = relative;
            return this;
        }

        /** @param rho ρ, finite, default {@value FreePerturbation#DEFAULT_RHO} */
        public Builder rho(double rho) {
            this.rho = rho;
            return this;
        }

        /** @param rhoSchedule a schedule of ρ over iterations or epochs (replaces {@link #rho}), or null */
        public Builder rhoSchedule(ISchedule rhoSchedule) {
            this.rhoSchedule = rhoSchedule;
            return this;
        }

        /** @param seed the seed of the random direction, default 0 */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "FreePerturbation requires a base optimizer …", "FreePerturbation cannot
         *     wrap …", "FreePerturbation requires a direction …" or "Invalid rho value: …"
         */
        public FreePerturbation build() {
            return new FreePerturbation(base == null ? null : base.clone(), direction, relative, rho,
                    rhoSchedule == null ? null : rhoSchedule.clone(), seed, StateLayout.CURRENT);
        }
    }
}
