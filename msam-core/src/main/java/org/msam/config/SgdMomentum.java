package org.msam.config;

import java.util.Map;
import java.util.Objects;

import org.msam.updater.SgdMomentumUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Stochastic gradient descent with heavy-ball or Nesterov momentum, exactly as
 * {@code torch.optim.SGD} (the learning rate is applied outside the momentum buffer).
 *
 * <p>With gradient {@code d} (DL4J's mini-batch mean gradient, plus {@code λ_c·θ} when the network
 * has {@code .l2(λ_c)}), momentum μ, dampening τ and learning rate η (which may follow a schedule,
 * evaluated per iteration), the buffer {@code v} starts at 0 and
 * <pre>
 *   v ← d                      on the first step, with dampening τ &gt; 0 (as PyTorch, no dampening then)
 *   v ← μ·v + (1 − τ)·d        afterwards (with τ = 0 also on the first step: from v = 0 it gives v = d)
 *   u = η·v                    (nesterov: u = η·(d + μ·v))
 *   θ ← θ − u
 * </pre>
 * With μ = 0 no buffer is kept and {@code u = η·d} (ND4J's {@code Sgd}).
 *
 * <p><b>Weight decay.</b> PyTorch's {@code weight_decay} is coupled decay; in DL4J it is the
 * network's {@code .l2(λ_c)} (applied to weights; add {@code .l2Bias(λ_c)} to decay biases too,
 * as PyTorch does by default).
 *
 * <p><b>Differences.</b> From PyTorch: none in the maths. The first step (which matters only with dampening) is
 * DL4J's iteration 0, as ND4J's updaters count; PyTorch counts from the optimizer's creation. The two agree for
 * every network trained from its start, including one made by DL4J's {@code TransferLearning} (which starts at
 * iteration 0). From ND4J's {@code Nesterovs}: ND4J folds η into the buffer
 * ({@code v ← μ·v − η·g}); the two agree at constant η and differ under a learning-rate schedule,
 * and ND4J has no heavy-ball (non-Nesterov) momentum or dampening.
 *
 * <p>State per variable of {@code n} parameters: {@code v}, n numbers, laid out like the parameters; nothing when
 * μ = 0 ({@link StateLayout}: models saved with layout 0 keep a step counter after the buffer, unused).
 *
 * <pre>{@code
 * IUpdater sgd = SgdMomentum.builder().learningRate(0.1).momentum(0.9).nesterov(true).build();
 * }</pre>
 */
public final class SgdMomentum implements IUpdater {
    private static final long serialVersionUID = 1L;

    /** Default learning rate: {@value}. */
    public static final double DEFAULT_LEARNING_RATE = 0.1;
    /** Default momentum: {@value}. */
    public static final double DEFAULT_MOMENTUM = 0.9;
    /** Default dampening: {@value}. */
    public static final double DEFAULT_DAMPENING = 0.0;
    /** Default for Nesterov momentum: {@value}. */
    public static final boolean DEFAULT_NESTEROV = false;

    @JsonProperty("learningRate")
    private double learningRate;
    @JsonProperty("learningRateSchedule")
    private ISchedule learningRateSchedule;
    @JsonProperty("momentum")
    private final double momentum;
    @JsonProperty("dampening")
    private final double dampening;
    @JsonProperty("nesterov")
    private final boolean nesterov;
    @JsonProperty("stateLayout")
    private final int stateLayout;

    @JsonCreator
    private SgdMomentum(@JsonProperty("learningRate") double learningRate,
                        @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
                        @JsonProperty("momentum") double momentum,
                        @JsonProperty("dampening") double dampening,
                        @JsonProperty("nesterov") boolean nesterov,
                        @JsonProperty("stateLayout") int stateLayout) {
        this.learningRate = Checks.nonNegative("learning rate", learningRate);
        this.learningRateSchedule = learningRateSchedule;
        this.momentum = Checks.nonNegative("momentum", momentum);
        this.dampening = Checks.nonNegative("dampening", dampening);
        this.nesterov = nesterov;
        this.stateLayout = StateLayout.check(stateLayout);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().learningRate(learningRate).learningRateSchedule(learningRateSchedule)
                .momentum(momentum).dampening(dampening).nesterov(nesterov);
    }

    /** @return the constant learning rate (used when there is no schedule) */
    public double getLearningRate() {
        return learningRate;
    }

    /** @return the learning-rate schedule, or null */
    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    /** @return the momentum μ */
    public double getMomentum() {
        return momentum;
    }

    /** @return the dampening τ */
    public double getDampening() {
        return dampening;
    }

    /** @return whether Nesterov momentum is used */
    public boolean isNesterov() {
        return nesterov;
    }

    /** @return whether the updater keeps a momentum buffer (μ > 0) */
    public boolean hasMomentumBuffer() {
        return momentum > 0;
    }

    /**
     * @return true for a configuration read from a model saved with {@link StateLayout#V010}, whose state keeps one
     *     more, unused, number per block after the buffer
     */
    public boolean hasLegacyStateLayout() {
        return stateLayout == StateLayout.V010;
    }

    /** @return true on the step of {@code iteration} when it is the buffer's first: with dampening, at iteration 0 */
    public boolean isFirstStep(int iteration) {
        return dampening != 0 && iteration == 0;
    }

    @Override
    public long stateSize(long numParams) {
        return hasMomentumBuffer() ? numParams + (hasLegacyStateLayout() ? 1 : 0) : 0;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        SgdMomentumUpdater u = new SgdMomentumUpdater(this);
        if (hasMomentumBuffer()) {
            if (viewArray == null) {
                throw new IllegalArgumentException("SgdMomentum with momentum > 0 needs a state view array");
            }
            u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        }
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        SgdMomentumUpdater u = new SgdMomentumUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule == null ? learningRate
                : Checks.scheduled("SgdMomentum", "learningRateSchedule", "the learning rate", learningRateSchedule,
                        iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = Checks.nonNegative("learning rate", lr);
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public SgdMomentum clone() {
        return new SgdMomentum(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(),
                momentum, dampening, nesterov, stateLayout);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SgdMomentum)) {
            return false;
        }
        SgdMomentum s = (SgdMomentum) o;
        return Double.compare(learningRate, s.learningRate) == 0 && Double.compare(momentum, s.momentum) == 0
                && Double.compare(dampening, s.dampening) == 0 && nesterov == s.nesterov && stateLayout == s.stateLayout
                && Objects.equals(learningRateSchedule, s.learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum, dampening, nesterov, stateLayout);
    }

    @Override
    public String toString() {
        return "SgdMomentum(learningRate=" + learningRate
                + (learningRateSchedule == null ? "" : ", learningRateSchedule=" + learningRateSchedule)
                + ", momentum=" + momentum + ", dampening=" + dampening + ", nesterov=" + nesterov + ")";
    }

    /** Builder for {@link SgdMomentum}; validation happens in {@link #build()}. */
    public static final class Builder {
        private double learningRate = DEFAULT_LEARNING_RATE;
        private ISchedule learningRateSchedule;
        private double momentum = DEFAULT_MOMENTUM;
        private double dampening = DEFAULT_DAMPENING;
        private boolean nesterov = DEFAULT_NESTEROV;

        private Builder() {
        }

        /** @param learningRate constant learning rate η, default {@value SgdMomentum#DEFAULT_LEARNING_RATE} */
        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** @param schedule learning-rate schedule (takes precedence over the constant) */
        public Builder learningRate(ISchedule schedule) {
            return learningRateSchedule(schedule);
        }

        /** @param schedule learning-rate schedule (takes precedence over the constant) */
        public Builder learningRateSchedule(ISchedule schedule) {
            this.learningRateSchedule = schedule;
            return this;
        }

        /** @param momentum momentum μ ≥ 0, default {@value SgdMomentum#DEFAULT_MOMENTUM} */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /** @param dampening dampening τ ≥ 0, default {@value SgdMomentum#DEFAULT_DAMPENING} */
        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        /** @param nesterov Nesterov momentum, default {@value SgdMomentum#DEFAULT_NESTEROV} */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "Invalid learning rate value: …", "Invalid momentum value: …",
         *     "Invalid dampening value: …" or "Nesterov momentum requires a momentum and zero dampening"
         */
        public SgdMomentum build() {
            return new SgdMomentum(learningRate, learningRateSchedule, momentum, dampening, nesterov,
                    StateLayout.CURRENT);
        }
    }
}
