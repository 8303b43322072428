package org.msam.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.msam.rule.MesaRule;
import org.msam.rule.Need;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.msam.updater.MesaUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * MESA, memory-efficient sharpness-aware training (Du et al. 2022a, "Sharpness-Aware Training for Free", arXiv
 * 2205.14083), over any base optimizer: self-distillation from an exponential moving average of the weights
 * (docs/ALGORITHMS.md, section "MESA"):
 * <pre>
 *   θ_ema ← θ_0;  after every optimizer step:  θ_ema ← β_e·θ_ema + (1 − β_e)·θ
 *   epoch ≥ E_start:  L = CE(z, y) + λ·τ²·KL(softmax(z_ema/τ) ‖ softmax(z/τ))       mean over the mini-batch
 *                     so ∂L/∂z gains λ·τ·(softmax(z/τ) − softmax(z_ema/τ))/|B|
 * </pre>
 * z are the output layer's logits at θ (the training pass), z_ema those at θ_ema from a forward-only pass in
 * inference mode (BatchNorm running statistics, no dropout). E_start is DL4J's 0-based epoch counter. The EMA is
 * kept from the first step on, also before E_start. λ = 0, or any epoch before E_start, is the base optimizer
 * exactly. Cost: one pass plus one forward-only pass per step.
 *
 * <p>State per block: the base optimizer's, then θ_ema laid out like the block's parameters (saved with the model, so
 * a resumed run follows the uninterrupted one and the model file carries the EMA weights; θ_ema = 0 means not started
 * yet, and the first step sets θ_ema ← θ; {@code SharpnessAware.emaModel(net)} gives a copy of the network at θ_ema for
 * evaluation). Memory: θ_ema, plus the inference copy of the network the driver keeps for the forward pass at
 * θ_ema (one more parameter copy and its activations).
 *
 * <p><b>Where it differs from Du et al.'s code.</b> The reported loss is the base loss (CE) without the distillation
 * term, so that it compares with the other optimizers'. The EMA covers the trainable parameters; the EMA network
 * uses the training network's BatchNorm running statistics. The output layers must have a softmax activation. Not
 * available on SameDiff, whose loss gradient comes from the user's graph alone.
 *
 * <pre>{@code
 * IUpdater mesa = Mesa.builder().base(SgdMomentum.builder().learningRate(0.1).build()).lambda(0.8).temperature(5)
 *         .emaDecay(0.9998).startEpoch(5).build();
 * }</pre>
 */
public final class Mesa implements SharpnessAwareConfig {
    private static final long serialVersionUID = 1L;

    /** Default weight λ of the distillation term: {@value} (Du et al.). */
    public static final double DEFAULT_LAMBDA = 0.8;
    /** Default temperature τ: {@value} (Du et al.). */
    public static final double DEFAULT_TEMPERATURE = 5;
    /** Default EMA decay β_e: {@value} (Du et al.). */
    public static final double DEFAULT_EMA_DECAY = 0.9998;
    /** Default first epoch of the distillation term, 0-based: {@value} (Du et al.). */
    public static final int DEFAULT_START_EPOCH = 5;

    @JsonProperty("base")
    private final IUpdater base;
    @JsonProperty("lambda")
    private final double lambda;
    @JsonProperty("temperature")
    private final double temperature;
    @JsonProperty("emaDecay")
    private final double emaDecay;
    @JsonProperty("startEpoch")
    private final int startEpoch;
    @JsonProperty("stateLayout")
    private final int stateLayout;

    @JsonCreator
    private Mesa(@JsonProperty("base") IUpdater base, @JsonProperty("lambda") double lambda,
                 @JsonProperty("temperature") double temperature, @JsonProperty("emaDecay") double emaDecay,
                 @JsonProperty("startEpoch") int startEpoch,
                 @JsonProperty("stateLayout") int stateLayout) {
        if (base == null) {
            throw new IllegalArgumentException("Mesa requires a base optimizer, e.g. SgdMomentum or AdamW");
        }
        if (base instanceof SharpnessAwareConfig) {
            throw new IllegalArgumentException("Mesa cannot wrap " + base.getClass().getSimpleName()
                    + ": use a plain optimizer as the base");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("Invalid temperature value: " + temperature
                    + " (must be finite and > 0)");
        }
        if (startEpoch < 0) {
            throw new IllegalArgumentException("Invalid startEpoch value: " + startEpoch + " (must be >= 0)");
        }
        this.base = base;
        this.lambda = Checks.nonNegative("lambda", lambda);
        this.temperature = temperature;
        this.emaDecay = Checks.unitInterval("emaDecay", emaDecay);
        this.startEpoch = startEpoch;
        this.stateLayout = StateLayout.check(stateLayout);
    }

    /** @return a builder with the defaults (a base optimizer must be set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().base(base).lambda(lambda).temperature(temperature).emaDecay(emaDecay)
                .startEpoch(startEpoch);
    }

    @Override
    public IUpdater getBase() {
        return base;
    }

    /** @return λ */
    public double getLambda() {
        return lambda;
    }

    /** @return τ */
    public double getTemperature() {
        return temperature;
    }

    /** @return β_e */
    public double getEmaDecay() {
        return emaDecay;
    }

    /** @return E_start, 0-based */
    public int getStartEpoch() {
        return startEpoch;
    }

    /** @return true when the MESA part (λ, τ, β_e, E_start) is the same as {@code other}'s */
    public boolean sameRule(Mesa other) {
        return Double.compare(lambda, other.lambda) == 0 && Double.compare(temperature, other.temperature) == 0
                && Double.compare(emaDecay, other.emaDecay) == 0 && startEpoch == other.startEpoch;
    }

    /** @return the teacher's forward pass and its term in the gradient */
    @Override
    public Set<Need> needs() {
        return EnumSet.of(Need.TEACHER_FORWARD);
    }

    @Override
    public SharpnessRule newRule(List<Variable> variables) {
        return new MesaRule(this, variables);
    }

    /**
     * @return true for a configuration read from a model saved with {@link StateLayout#V010}, whose state keeps a
     *     started flag per block after θ_ema
     */
    public boolean hasLegacyStateLayout() {
        return stateLayout == StateLayout.V010;
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams) + numParams + (hasLegacyStateLayout() ? 1 : 0);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return MesaUpdater.create(this, viewArray, initializeViewArray);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return MesaUpdater.create(this, updaterState, initializeStateArrays);
    }

    @Override
    public Mesa clone() {
        return new Mesa(base.clone(), lambda, temperature, emaDecay, startEpoch, stateLayout);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Mesa)) {
            return false;
        }
        Mesa other = (Mesa) o;
        return base.equals(other.base) && sameRule(other) && stateLayout == other.stateLayout;
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, lambda, temperature, emaDecay, startEpoch);
    }

    @Override
    public String toString() {
        return "Mesa(base=" + base + ", lambda=" + lambda + ", temperature=" + temperature + ", emaDecay=" + emaDecay
                + ", startEpoch=" + startEpoch + ")";
    }

    /** Builder for {@link Mesa}; validation happens in {@link #build()}. */
    public static final class Builder {
        private IUpdater base;
        private double lambda = DEFAULT_LAMBDA;
        private double temperature = DEFAULT_TEMPERATURE;
        private double emaDecay = DEFAULT_EMA_DECAY;
        private int startEpoch = DEFAULT_START_EPOCH;

        private Builder() {
        }

        /** @param base the base optimizer (any ND4J or msam updater that is not sharpness-aware itself) */
        public Builder base(IUpdater base) {
            this.base = base;
            return this;
        }

        /** @param lambda λ ≥ 0, the weight of the distillation term, default {@value Mesa#DEFAULT_LAMBDA} */
        public Builder lambda(double lambda) {
            this.lambda = lambda;
            return this;
        }

        /** @param temperature τ &gt; 0 of both softmaxes, default {@value Mesa#DEFAULT_TEMPERATURE} */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** @param emaDecay β_e in [0, 1), the EMA decay per step, default {@value Mesa#DEFAULT_EMA_DECAY} */
        public Builder emaDecay(double emaDecay) {
            this.emaDecay = emaDecay;
            return this;
        }

        /**
         * @param startEpoch E_start ≥ 0, the first 0-based epoch with the distillation term, default {@value
         *                   Mesa#DEFAULT_START_EPOCH}
         */
        public Builder startEpoch(int startEpoch) {
            this.startEpoch = startEpoch;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "Mesa requires a base optimizer, e.g. SgdMomentum or AdamW",
         *     "Mesa cannot wrap …", "Invalid lambda value: …", "Invalid temperature value: …", "Invalid emaDecay
         *     value: …" or "Invalid startEpoch value: …"
         */
        public Mesa build() {
            return new Mesa(base == null ? null : base.clone(), lambda, temperature, emaDecay, startEpoch,
                    StateLayout.CURRENT);
        }
    }
}
