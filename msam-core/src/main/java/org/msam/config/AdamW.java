package org.msam.config;

import java.util.Map;
import java.util.Objects;

import org.msam.updater.AdamWUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Adam with decoupled weight decay, exactly as {@code torch.optim.AdamW} (Loshchilov &amp; Hutter 2019).
 *
 * <p>With gradient {@code g}, moments {@code m, s} starting at 0 and the step count {@code t}
 * starting at 1 (DL4J's iteration count + 1):
 * <pre>
 *   m ← β1·m + (1 − β1)·g
 *   s ← β2·s + (1 − β2)·g²
 *   θ ← θ·(1 − η·λ) − η·(m/(1 − β1^t)) / (√(s/(1 − β2^t)) + ε)
 * </pre>
 *
 * <p><b>Decoupled decay needs the weights.</b> A DL4J updater never sees the parameters, so the
 * {@code θ·(1 − η·λ)} factor is applied by msam-dl4j: {@code DecoupledWeightDecay.install(net)} (or
 * {@code SharpnessAware.install(net)}, which does it for {@code Sam}/{@code Msam} over AdamW). An AdamW
 * with λ &gt; 0 that runs without it throws instead of silently training without decay.
 * {@link #decayScope(DecayScope)} selects the decayed parameters: {@link DecayScope#ALL_TRAINABLE}
 * (default, PyTorch's default) or {@link DecayScope#WEIGHTS_ONLY} (DL4J's default).
 *
 * <p><b>Differences.</b> From PyTorch: none in the maths ({@code amsgrad} and {@code maximize} are not
 * offered). The step t is DL4J's iteration count + 1, as in ND4J's {@code Adam}; PyTorch counts from the optimizer's
 * creation. The two agree for every network trained from its start, including one made by DL4J's
 * {@code TransferLearning} (which starts at iteration 0); an existing network given AdamW later starts its bias
 * correction at its iteration count (reset it with {@code net.setIterationCount(0)} to count from 1).
 * From ND4J's {@code Adam}: ND4J puts ε inside the bias correction
 * ({@code η·√(1−β2^t)/(1−β1^t)·m/(√s + ε)}, i.e. ε acts 1/√(1−β2^t) times larger than PyTorch's) and has no
 * decoupled decay (ND4J {@code Adam} plus {@code WeightDecay(λ, true)} equals this class when ε = 0).
 *
 * <p>State per variable of {@code n} parameters: {@code 2n} numbers, {@code [m | s]}, each laid out like the
 * parameters ({@link StateLayout}: models saved with layout 0 keep a step count after the moments, unused).
 *
 * <pre>{@code
 * IUpdater adamw = AdamW.builder().learningRate(1e-3).weightDecay(0.05).build();
 * }</pre>
 */
public final class AdamW implements IUpdater {
    private static final long serialVersionUID = 1L;

    /** Default learning rate: {@value}. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** Default β1: {@value}. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** Default β2: {@value}. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** Default ε: {@value}. */
    public static final double DEFAULT_EPSILON = 1e-8;
    /** Default decoupled weight decay λ: {@value}. */
    public static final double DEFAULT_WEIGHT_DECAY = 1e-2;

    @JsonProperty("learningRate")
    private double learningRate;
    @JsonProperty("learningRateSchedule")
    private ISchedule learningRateSchedule;
    @JsonProperty("beta1")
    private final double beta1;
    @JsonProperty("beta2")
    private final double beta2;
    @JsonProperty("epsilon")
    private final double epsilon;
    @JsonProperty("weightDecay")
    private final double weightDecay;
    @JsonProperty("decayScope")
    private final DecayScope decayScope;
    @JsonProperty("stateLayout")
    private final int stateLayout;

    @JsonCreator
    private AdamW(@JsonProperty("learningRate") double learningRate,
                  @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
                  @JsonProperty("beta1") double beta1,
                  @JsonProperty("beta2") double beta2,
                  @JsonProperty("epsilon") double epsilon,
                  @JsonProperty("weightDecay") double weightDecay,
                  @JsonProperty("decayScope") DecayScope decayScope,
                  @JsonProperty("stateLayout") int stateLayout) {
        this.learningRate = Checks.nonNegative("learning rate", learningRate);
        this.learningRateSchedule = learningRateSchedule;
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1 + " (must be in [0, 1))");
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2 + " (must be in [0, 1))");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = Checks.nonNegative("epsilon", epsilon);
        this.weightDecay = Checks.nonNegative("weightDecay", weightDecay);
        this.decayScope = decayScope == null ? DecayScope.ALL_TRAINABLE : decayScope;
        this.stateLayout = StateLayout.check(stateLayout);
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().learningRate(learningRate).learningRateSchedule(learningRateSchedule).beta1(beta1)
                .beta2(beta2).epsilon(epsilon).weightDecay(weightDecay).decayScope(decayScope);
    }

    /** @return the constant learning rate (used when there is no schedule) */
    public double getLearningRate() {
        return learningRate;
    }

    /** @return the learning-rate schedule, or null */
    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    /** @return β1 */
    public double getBeta1() {
        return beta1;
    }

    /** @return β2 */
    public double getBeta2() {
        return beta2;
    }

    /** @return ε */
    public double getEpsilon() {
        return epsilon;
    }

    /** @return the decoupled weight decay λ */
    public double getWeightDecay() {
        return weightDecay;
    }

    /** @return which parameters the decay acts on */
    public DecayScope getDecayScope() {
        return decayScope;
    }

    /**
     * @return true for a configuration read from a model saved with {@link StateLayout#V010}, whose state keeps one
     *     more, unused, number per block after the moments
     */
    public boolean hasLegacyStateLayout() {
        return stateLayout == StateLayout.V010;
    }

    @Override
    public long stateSize(long numParams) {
        return 2 * numParams + (hasLegacyStateLayout() ? 1 : 0);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        if (viewArray == null) {
            throw new IllegalArgumentException("AdamW needs a state view array");
        }
        AdamWUpdater u = new AdamWUpdater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        AdamWUpdater u = new AdamWUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule == null ? learningRate
                : Checks.scheduled("AdamW", "learningRateSchedule", "the learning rate", learningRateSchedule,
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
    public AdamW clone() {
        return new AdamW(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), beta1,
                beta2, epsilon, weightDecay, decayScope, stateLayout);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AdamW)) {
            return false;
        }
        AdamW a = (AdamW) o;
        return Double.compare(learningRate, a.learningRate) == 0 && Double.compare(beta1, a.beta1) == 0
                && Double.compare(beta2, a.beta2) == 0 && Double.compare(epsilon, a.epsilon) == 0
                && Double.compare(weightDecay, a.weightDecay) == 0 && decayScope == a.decayScope
                && stateLayout == a.stateLayout
                && Objects.equals(learningRateSchedule, a.learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, epsilon, weightDecay, decayScope,
                stateLayout);
    }

    @Override
    public String toString() {
        return "AdamW(learningRate=" + learningRate
                + (learningRateSchedule == null ? "" : ", learningRateSchedule=" + learningRateSchedule)
                + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ", weightDecay=" + weightDecay
                + ", decayScope=" + decayScope + ")";
    }

    /** Builder for {@link AdamW}; validation happens in {@link #build()}. */
    public static final class Builder {
        private double learningRate = DEFAULT_LEARNING_RATE;
        private ISchedule learningRateSchedule;
        private double beta1 = DEFAULT_BETA1;
        private double beta2 = DEFAULT_BETA2;
        private double epsilon = DEFAULT_EPSILON;
        private double weightDecay = DEFAULT_WEIGHT_DECAY;
        private DecayScope decayScope = DecayScope.ALL_TRAINABLE;

        private Builder() {
        }

        /** @param learningRate constant learning rate η, default {@value AdamW#DEFAULT_LEARNING_RATE} */
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

        /** @param beta1 β1 in [0, 1), default {@value AdamW#DEFAULT_BETA1} */
        public Builder beta1(double beta1) {
            this.beta1 = beta1;
            return this;
        }

        /** @param beta2 β2 in [0, 1), default {@value AdamW#DEFAULT_BETA2} */
        public Builder beta2(double beta2) {
            this.beta2 = beta2;
            return this;
        }

        /** @param epsilon ε ≥ 0, default {@value AdamW#DEFAULT_EPSILON} */
        public Builder epsilon(double epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /** @param weightDecay decoupled weight decay λ ≥ 0, default {@value AdamW#DEFAULT_WEIGHT_DECAY} */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** @param decayScope the decayed parameters, default {@link DecayScope#ALL_TRAINABLE} */
        public Builder decayScope(DecayScope decayScope) {
            this.decayScope = decayScope;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException "Invalid learning rate value: …", "Invalid beta parameter at index
         *     0: …", "Invalid beta parameter at index 1: …", "Invalid epsilon value: …" or "Invalid weightDecay
         *     value: …"
         */
        public AdamW build() {
            return new AdamW(learningRate, learningRateSchedule, beta1, beta2, epsilon, weightDecay, decayScope,
                    StateLayout.CURRENT);
        }
    }
}
