package org.msam.dl4j;

import java.io.Serializable;

/**
 * Gradient accumulation, an option of the driver: one optimizer step every k micro-batches, on the mean gradient of
 * the k micro-batches weighted by their example counts (docs/ALGORITHMS.md, "Gradient accumulation").
 *
 * <pre>{@code
 * SharpnessAware.install(net, Accumulation.steps(8), new ScoreIterationListener(10));
 * net.fit(trainWithBatch128, epochs);     // one step per 8 mini-batches: the step of a batch of 1024
 * }</pre>
 *
 * <p>For SGD, NAG, AdamW, MSAM and MSAM over AdamW (and a network without BatchNorm) the k micro-batches give exactly
 * the step of one batch of their union. SAM, adaptive SAM, ESAM and LookSAM ascend per micro-batch (m-sharpness
 * with m = the micro-batch) and average the second-pass gradients; MESA distils each micro-batch from the EMA network,
 * which is fixed over the window. The base optimizers alone accumulate through the same call: {@code install} with
 * an accumulation accepts a configuration without a sharpness-aware updater. Iteration counters, schedules and the
 * listeners passed to {@code install} see steps; between micro-batches the network holds θ.
 *
 * <p>Cost: the passes of the rule per micro-batch (MSAM and the base optimizers: one; SAM: two) and one optimizer
 * step per window; memory: one parameter-sized buffer for the sum of the window's gradients. PyTorch has no such
 * option: there the user's loop calls {@code backward()} k times (with the loss divided by k) before
 * {@code optimizer.step()}, which equals this only for equal micro-batch sizes.
 */
public final class Accumulation implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Accumulation NONE = new Accumulation(1);

    private final int microBatches;

    private Accumulation(int microBatches) {
        this.microBatches = microBatches;
    }

    /**
     * @param k the number of micro-batches per optimizer step, at least 1 (1: a step per mini-batch, as without
     *          accumulation)
     * @return the option
     * @throws IllegalArgumentException when k &lt; 1
     */
    public static Accumulation steps(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("Gradient accumulation needs at least 1 micro-batch per optimizer step, "
                    + "got Accumulation.steps(" + k + "): use 1 for a step per mini-batch, or k > 1 to accumulate k "
                    + "mini-batches per step");
        }
        return k == 1 ? NONE : new Accumulation(k);
    }

    /** @return one micro-batch per step: no accumulation */
    public static Accumulation none() {
        return NONE;
    }

    /** @return k, the number of micro-batches per optimizer step */
    public int microBatches() {
        return microBatches;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Accumulation && ((Accumulation) o).microBatches == microBatches;
    }

    @Override
    public int hashCode() {
        return microBatches;
    }

    @Override
    public String toString() {
        return "Accumulation.steps(" + microBatches + ")";
    }
}
