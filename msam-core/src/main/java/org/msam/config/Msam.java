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
import org.msam.rule.MsamRule;
import org.msam.rule.Variable;
import org.msam.updater.MsamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Momentum-SAM (Becker, Altrock &amp; Risse 2024, arXiv 2401.12033, Algorithm 1): sharpness-aware
 * training at the cost of its base optimizer, by evaluating the gradient at weights perturbed along
 * the negative, normalised momentum instead of running SAM's second forward/backward pass.
 *
 * <p>Each step's gradient is taken at θ̃ = θ − c·v (outside a step the network holds θ; msam-dl4j's driver moves it
 * to θ̃ just before the step's forward pass), where v is the base optimizer's momentum buffer ({@link SgdMomentum}'s
 * v, or {@link AdamW}'s first moment m) and c = ρ_t/(‖v‖ + δ) with δ = 1e-12, ‖·‖ the global norm over
 * every trainable parameter of the model and ρ_t the step's ρ. Each step:
 * <pre>
 *   c  = ρ_t/(‖v‖ + δ), or 0 while v = 0   from the state at θ, before the step's forward pass
 *   θ̃ = θ − c·v
 *   g  = ∇L_B(θ̃)                  one forward/backward, at the weights held
 *   d  = g + λ_c·θ̃                (DL4J's .l2(λ_c): coupled decay acts on the weights held)
 *   θ  = θ̃ + c·v                  remove the perturbation, with the c it was applied with
 *   base step on θ with d          (v ← μ·v + d; θ ← θ − η·v for SGD; the AdamW step for AdamW)
 * </pre>
 * The first step is a plain base step (v = 0, c = 0) and ρ = 0 is the base optimizer exactly. ρ &lt; 0
 * (perturbing along the positive momentum) is accepted, and the listener warns once: the paper shows
 * it hurts.
 *
 * <p>The perturbation needs the global norm of the buffer over every layer, which no per-layer updater can
 * compute: it is applied by msam-dl4j's driver ({@code SharpnessAware.install(net)}). An {@code Msam} updater that
 * runs without it throws. Over SgdMomentum the removal of the perturbation is folded into the update DL4J subtracts (v_old is recovered as
 * (v_new − (1 − τ)·d)/μ), so the updater never moves the weights (docs/ALGORITHMS.md, "MSAM update handed to
 * DL4J").
 *
 * <p>ρ_t is {@link #rhoSchedule(ISchedule)} evaluated at the iteration and epoch of the step (so "ρ = 0 for the
 * first N epochs" means the steps of those epochs are not perturbed). The official implementation perturbs at the end
 * of the previous step, with that step's ρ: the two agree at constant ρ and differ by one step where ρ changes.
 *
 * <p>State per block: the base optimizer's state only; c (adaptive: and e) is derived from it at each step, so a
 * restored model resumes exactly and DL4J can regroup the state when updater blocks change. Memory: the base
 * optimizer's (adaptive: plus e and T, two parameter-sized working arrays).
 *
 * <pre>{@code
 * IUpdater msam = Msam.builder()
 *         .base(SgdMomentum.builder().learningRate(0.5).momentum(0.9).build())
 *         .rho(3.0)
 *         .build();
 * }</pre>
 */
public final class Msam implements SharpnessAwareConfig {
    private static final long serialVersionUID = 1L;

    /** Default ρ: {@value} (the paper's value for WRN-16-4 on CIFAR-100 and for ViT-S/32 on ImageNet). */
    public static final double DEFAULT_RHO = 3.0;
    /** Default η_a of adaptive MSAM: {@value}. */
    public static final double DEFAULT_ADAPTIVE_ETA = 0.01;
    /**
     * Number of state entries a model saved with {@link StateLayout#V010} keeps per block after its base optimizer's
     * (c and the perturbed flag): {@value}. Layout {@value StateLayout#CURRENT} keeps none.
     */
    public static final int LEGACY_EXTRA_STATE = 2;

    @JsonProperty("base")
    private final IUpdater base;
    @JsonProperty("rho")
    private final double rho;
    @JsonProperty("rhoSchedule")
    private final ISchedule rhoSchedule;
    @JsonProperty("normalizationOnly")
    private final boolean normalizationOnly;
    @JsonProperty("adaptive")
    private final boolean adaptive;
    @JsonProperty("adaptiveEta")
    private final double adaptiveEta;
    @JsonProperty("stateLayout")
    private final int stateLayout;

    @JsonCreator
    private Msam(@JsonProperty("base") IUpdater base, @JsonProperty("rho") double rho,
                 @JsonProperty("rhoSchedule") ISchedule rhoSchedule,
                 @JsonProperty("normalizationOnly") boolean normalizationOnly,
                 @JsonProperty("adaptive") boolean adaptive, @JsonProperty("adaptiveEta") Double adaptiveEta,
                 @JsonProperty("stateLayout") int stateLayout) {
        if (base == null) {
            throw new IllegalArgumentException("Msam requires a base optimizer: SgdMomentum or AdamW");
        }
        if (base instanceof SgdMomentum) {
            if (!((SgdMomentum) base).hasMomentumBuffer()) {
                throw new IllegalArgumentException("Msam needs a base with momentum > 0 (it perturbs along the "
                        + "momentum buffer): SgdMomentum momentum is " + ((SgdMomentum) base).getMomentum());
            }
        } else if (!(base instanceof AdamW)) {
            throw new IllegalArgumentException("Msam supports SgdMomentum and AdamW as base optimizers (it perturbs"
                    + " along their momentum buffer), got " + base.getClass().getSimpleName());
        }
        this.base = base;
        this.rho = Checks.finite("rho", rho);
        this.rhoSchedule = rhoSchedule;
        this.normalizationOnly = normalizationOnly;
        this.adaptive = adaptive;
        this.adaptiveEta = Checks.nonNegative("adaptiveEta", adaptiveEta == null ? DEFAULT_ADAPTIVE_ETA : adaptiveEta);
        this.stateLayout = StateLayout.check(stateLayout);
    }

    /** @return a builder with the defaults (a base optimizer must be set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().base(base).rho(rho).rhoSchedule(rhoSchedule).normalizationOnly(normalizationOnly)
                .adaptive(adaptive).adaptiveEta(adaptiveEta);
    }

    @Override
    public IUpdater getBase() {
        return base;
    }

    /** @return the constant ρ (used when there is no schedule) */
    public double getRho() {
        return rho;
    }

    /** @return the ρ schedule, or null */
    public ISchedule getRhoSchedule() {
        return rhoSchedule;
    }

    /**
     * @param iteration the iteration of the step
     * @param epoch     its epoch
     * @return ρ_t
     * @throws ArithmeticException when the schedule returns a non-finite value (naming the schedule)
     */
    public double rhoAt(int iteration, int epoch) {
        return rhoSchedule == null ? rho
                : Checks.scheduled("Msam", "rhoSchedule", "rho", rhoSchedule, iteration, epoch);
    }

    /** @return whether adaptive MSAM is used: e = −ρ·T²⊙v/(‖T⊙v‖ + δ), T = |θ| + η_a */
    public boolean isAdaptive() {
        return adaptive;
    }

    /** @return η_a of adaptive MSAM */
    public double getAdaptiveEta() {
        return adaptiveEta;
    }

    /** @return true when only the normalisation layers' γ and β are perturbed (BN-only MSAM) */
    public boolean isNormalizationOnly() {
        return normalizationOnly;
    }

    /** @return true when the perturbation (ρ or its schedule, and which variables) is the same as {@code other}'s */
    public boolean sameRho(Msam other) {
        return rhoDifference(other) == null;
    }

    /**
     * @param other another layer's configuration
     * @return what differs between this perturbation and {@code other}'s, in words, or null when they are the same.
     *     ρ schedules are compared by value: equal by {@code equals}, or of the same class with the same fields (their
     *     JSON with every field written), so that a schedule class without {@code equals} (each layer holds its own
     *     clone) still counts as the same schedule
     */
    public String rhoDifference(Msam other) {
        if (Double.compare(rho, other.rho) != 0) {
            return "rho " + rho + " and " + other.rho;
        }
        if (!sameSchedule(rhoSchedule, other.rhoSchedule)) {
            return "rhoSchedule " + describe(rhoSchedule) + " and " + describe(other.rhoSchedule);
        }
        if (normalizationOnly != other.normalizationOnly) {
            return "normalizationOnly " + normalizationOnly + " and " + other.normalizationOnly;
        }
        if (adaptive != other.adaptive || Double.compare(adaptiveEta, other.adaptiveEta) != 0) {
            return "adaptive " + adaptive + " (eta " + adaptiveEta + ") and " + other.adaptive + " (eta "
                    + other.adaptiveEta + ")";
        }
        return null;
    }

    private static final org.nd4j.shade.jackson.databind.ObjectMapper FIELDS =
            new org.nd4j.shade.jackson.databind.ObjectMapper()
                    .setVisibility(org.nd4j.shade.jackson.annotation.PropertyAccessor.ALL,
                            org.nd4j.shade.jackson.annotation.JsonAutoDetect.Visibility.NONE)
                    .setVisibility(org.nd4j.shade.jackson.annotation.PropertyAccessor.FIELD,
                            org.nd4j.shade.jackson.annotation.JsonAutoDetect.Visibility.ANY)
                    .configure(org.nd4j.shade.jackson.databind.SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
                    .configure(org.nd4j.shade.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true);

    /** @return true when the schedules are equal, or of one class with the same fields */
    static boolean sameSchedule(ISchedule a, ISchedule b) {
        if (Objects.equals(a, b)) {
            return true;
        }
        if (a == null || b == null || a.getClass() != b.getClass()) {
            return false;
        }
        String ja = json(a);
        return ja != null && ja.equals(json(b));
    }

    private static String json(ISchedule s) {
        try {
            return FIELDS.writeValueAsString(s);
        } catch (Exception e) {
            return null;
        }
    }

    private static String describe(ISchedule s) {
        if (s == null) {
            return "none";
        }
        String j = json(s);
        return s.getClass().getName() + (j == null ? "" : " " + j);
    }

    /**
     * @param kind a variable's kind
     * @return true when the perturbation acts on variables of this kind: every trainable variable, or with
     *     {@link Builder#normalizationOnly(boolean)} the normalisation layers' γ and β only
     */
    public boolean perturbs(ParamKind kind) {
        return !normalizationOnly || kind == ParamKind.NORMALIZATION;
    }

    /** @return the step's pass at θ̃, a base optimizer with momentum; BN-only: normalisation layers */
    @Override
    public Set<Need> needs() {
        EnumSet<Need> n = EnumSet.of(Need.HELD_PERTURBATION, Need.BASE_MOMENTUM);
        if (normalizationOnly) {
            n.add(Need.NORMALIZATION_LAYERS);
        }
        return n;
    }

    @Override
    public SharpnessRule newRule(List<Variable> variables) {
        return new MsamRule(this, variables);
    }

    /**
     * @return true for a configuration read from a model saved with {@link StateLayout#V010}, whose state keeps c and
     *     the perturbed flag after the buffers ({@value #LEGACY_EXTRA_STATE} numbers per block)
     */
    public boolean hasLegacyStateLayout() {
        return stateLayout == StateLayout.V010;
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams)
                + (hasLegacyStateLayout() ? LEGACY_EXTRA_STATE + (adaptive ? numParams : 0) : 0);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return MsamUpdater.create(this, viewArray, initializeViewArray);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return MsamUpdater.create(this, updaterState, initializeStateArrays);
    }

    @Override
    public Msam clone() {
        return new Msam(base.clone(), rho, rhoSchedule == null ? null : rhoSchedule.clone(), normalizationOnly, adaptive,
                adaptiveEta, stateLayout);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Msam)) {
            return false;
        }
        Msam other = (Msam) o;
        return base.equals(other.base) && sameRho(other) && stateLayout == other.stateLayout;
    }

    @Override
    public int hashCode() {
        // a schedule equal by value may be another instance without hashCode: hash its class only
        return Objects.hash(base, rho, rhoSchedule == null ? null : rhoSchedule.getClass(), normalizationOnly, adaptive,
                adaptiveEta);
    }

    @Override
    public String toString() {
        return "Msam(base=" + base + ", rho=" + rho + (rhoSchedule == null ? "" : ", rhoSchedule=" + rhoSchedule)
                + (normalizationOnly ? ", normalizationOnly=true" : "")
                + (adaptive ? ", adaptive=true, adaptiveEta=" + adaptiveEta : "")
                + ")";
    }

    /** Builder for {@link Msam}; validation happens in {@link #build()}. */
    public static final class Builder {
        private IUpdater base;
        private double rho = DEFAULT_RHO;
        private ISchedule rhoSchedule;
        private boolean normalizationOnly;
        private boolean adaptive;
        private double adaptiveEta = DEFAULT_ADAPTIVE_ETA;

        private Builder() {
        }

        /** @param base the base optimizer: {@link SgdMomentum} (momentum &gt; 0) or {@link AdamW} */
        public Builder base(IUpdater base) {
            this.base = base;
            return this;
        }

        /** @param rho perturbation radius ρ, default {@value Msam#DEFAULT_RHO} */
        public Builder rho(double rho) {
            this.rho = rho;
            return this;
        }

        /** @param schedule ρ schedule (takes precedence over the constant) */
        public Builder rho(ISchedule schedule) {
            return rhoSchedule(schedule);
        }

        /** @param schedule ρ schedule (takes precedence over the constant) */
        public Builder rhoSchedule(ISchedule schedule) {
            this.rhoSchedule = schedule;
            return this;
        }

        /**
         * @param adaptive adaptive MSAM (the paper's Table 3, by analogy with ASAM): e = −ρ·T²⊙v/(‖T⊙v‖ + δ) with
         *                 T = |θ| + η_a taken at θ after the base step, and θ̃ = θ + e; e is kept in the state (one
         *                 number per parameter) so that its removal is exact; default false (docs/ALGORITHMS.md,
         *                 "Adaptive MSAM")
         */
        public Builder adaptive(boolean adaptive) {
            this.adaptive = adaptive;
            return this;
        }

        /** @param adaptiveEta η_a ≥ 0 of adaptive MSAM, default {@value Msam#DEFAULT_ADAPTIVE_ETA} */
        public Builder adaptiveEta(double adaptiveEta) {
            this.adaptiveEta = adaptiveEta;
            return this;
        }

        /**
         * @param normalizationOnly BN-only MSAM (Mueller et al. 2023; the paper's Table 3): perturb only the affine
         *                          parameters γ and β of the normalisation layers, with the norm over them only,
         *                          default false (docs/ALGORITHMS.md, "BN-only SAM and MSAM")
         */
        public Builder normalizationOnly(boolean normalizationOnly) {
            this.normalizationOnly = normalizationOnly;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "Msam requires a base optimizer: SgdMomentum or AdamW", "Msam supports
         *     SgdMomentum and AdamW as base optimizers …", "Msam needs a base with momentum &gt; 0 …", "Invalid
         *     rho value: …" or "Invalid adaptiveEta value: …"
         */
        public Msam build() {
            return new Msam(base == null ? null : base.clone(), rho, rhoSchedule, normalizationOnly, adaptive,
                    adaptiveEta, StateLayout.CURRENT);
        }
    }
}
