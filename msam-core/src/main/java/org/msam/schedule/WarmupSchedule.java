package org.msam.schedule;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Scales any schedule by a linear warm-up factor, counted in iterations.
 *
 * <p>With inner schedule {@code inner}, warm-up length W and start factor s, at iteration t and epoch e:
 * <pre>
 *   t &lt; W:   inner(t, e)·(s + (1 − s)·t/W)
 *   t ≥ W:   inner(t, e)
 * </pre>
 * The inner schedule sees the same, unshifted counters. With W = 0 this is {@code inner} itself.
 *
 * <p>Compared with PyTorch: the factor is the multiplier of
 * {@code torch.optim.lr_scheduler.LinearLR(start_factor=s, end_factor=1, total_iters=W)}, applied
 * multiplicatively on top of the inner schedule's value. PyTorch requires s in (0, 1]; here s = 0 is
 * allowed and is the default. The factor is computed in closed form from the iteration counter, not
 * recursively.
 *
 * <p>Unlike ND4J's {@link org.nd4j.linalg.schedule.RampSchedule} (which has no Jackson creator and
 * ramps as (t + 1)/W), this class survives JSON, provided the inner schedule does: the inner schedule is
 * written as a nested {@link ISchedule} with its {@code "@class"}.
 *
 * <pre>{@code
 * ISchedule lr = WarmupSchedule.builder()
 *         .inner(new CosineSchedule(ScheduleType.EPOCH, 0.5, 0.0, 200))
 *         .warmupIterations(iterationsPerEpoch).build();
 * }</pre>
 */
public final class WarmupSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    /** Default start factor s, the multiplier at iteration 0: {@value}. */
    public static final double DEFAULT_START_FACTOR = 0.0;

    /** The scaled schedule. */
    private final ISchedule inner;
    /** W, the warm-up length in iterations. */
    private final int warmupIterations;
    /** s, the multiplier at iteration 0. */
    private final double startFactor;

    /**
     * @param inner            the schedule to scale; not null; should itself survive JSON
     * @param warmupIterations W, the warm-up length in iterations; {@code >= 0}
     * @param startFactor      s, the multiplier at iteration 0; in [0, 1]
     * @throws IllegalArgumentException {@code "Invalid inner value: null (must not be null)"},
     *         {@code "Invalid warmupIterations value: -1 (must be >= 0)"} or
     *         {@code "Invalid startFactor value: 1.5 (must be in [0, 1])"}
     */
    @JsonCreator
    public WarmupSchedule(@JsonProperty("inner") ISchedule inner,
                          @JsonProperty("warmupIterations") int warmupIterations,
                          @JsonProperty("startFactor") double startFactor) {
        this.inner = Checks.notNull("inner", inner);
        this.warmupIterations = Checks.nonNegative("warmupIterations", warmupIterations);
        if (!(startFactor >= 0 && startFactor <= 1)) {
            throw Checks.invalid("startFactor", startFactor, "must be in [0, 1]");
        }
        this.startFactor = startFactor;
    }

    /**
     * A builder; {@code inner} and {@code warmupIterations} are required, {@code startFactor} defaults to
     * {@link #DEFAULT_START_FACTOR}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the value at {@code iteration} and {@code epoch} from the formula in the class comment */
    @Override
    public double valueAt(int iteration, int epoch) {
        double value = inner.valueAt(iteration, epoch);
        if (iteration >= warmupIterations) {
            return value;
        }
        return value * (startFactor + (1 - startFactor) * iteration / warmupIterations);
    }

    /** @return the scaled schedule */
    public ISchedule getInner() {
        return inner;
    }

    /** @return W, the warm-up length in iterations */
    public int getWarmupIterations() {
        return warmupIterations;
    }

    /** @return s, the multiplier at iteration 0 */
    public double getStartFactor() {
        return startFactor;
    }

    /** @return an equal, distinct instance holding a clone of the inner schedule */
    @Override
    public WarmupSchedule clone() {
        return new WarmupSchedule(inner.clone(), warmupIterations, startFactor);
    }

    /** Equal when the inner schedules are {@code equals} and the other fields are equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass()) {
            return false;
        }
        WarmupSchedule that = (WarmupSchedule) o;
        return inner.equals(that.inner)
                && warmupIterations == that.warmupIterations
                && Double.compare(startFactor, that.startFactor) == 0;
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Objects.hash(inner, warmupIterations, startFactor);
    }

    /** @return {@code WarmupSchedule(inner=..., warmupIterations=..., startFactor=...)} */
    @Override
    public String toString() {
        return "WarmupSchedule(inner=" + inner + ", warmupIterations=" + warmupIterations
                + ", startFactor=" + startFactor + ")";
    }

    /** Builder for {@link WarmupSchedule}; see {@link WarmupSchedule#builder()}. */
    public static final class Builder {
        private ISchedule inner;
        private Integer warmupIterations;
        private double startFactor = DEFAULT_START_FACTOR;

        private Builder() {
        }

        /**
         * @param inner the schedule to scale, required
         * @return this builder
         */
        public Builder inner(ISchedule inner) {
            this.inner = inner;
            return this;
        }

        /**
         * @param warmupIterations W, required
         * @return this builder
         */
        public Builder warmupIterations(int warmupIterations) {
            this.warmupIterations = warmupIterations;
            return this;
        }

        /**
         * @param startFactor s, default {@value WarmupSchedule#DEFAULT_START_FACTOR}
         * @return this builder
         */
        public Builder startFactor(double startFactor) {
            this.startFactor = startFactor;
            return this;
        }

        /**
         * @return the schedule
         * @throws IllegalStateException {@code "Missing required value: inner"} (or {@code warmupIterations})
         * @throws IllegalArgumentException as the constructor does
         */
        public WarmupSchedule build() {
            return new WarmupSchedule(Checks.required("inner", inner),
                    Checks.required("warmupIterations", warmupIterations), startFactor);
        }
    }
}
