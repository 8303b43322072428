package org.msam.dl4j;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Lets a SameDiff instance train with a plain {@link org.msam.config.AdamW} with weight decay: binds the AdamW
 * updaters to their variables, on which they apply θ ← θ·(1 − η·λ) before SameDiff subtracts the Adam update, and
 * prepares them at every iteration. Decayed: every trainable variable ({@link org.msam.config.DecayScope#ALL_TRAINABLE})
 * or only those of rank ≥ 2 with at least two rows and columns ({@link org.msam.config.DecayScope#WEIGHTS_ONLY}).
 * Installed by {@link DecoupledWeightDecay#install(SameDiff)}; {@link SharpnessAware#install(SameDiff)} does the same
 * for Sam/Msam over AdamW.
 */
public final class SameDiffDecoupledWeightDecay extends BaseListener {
    private final SameDiffHost host;

    SameDiffDecoupledWeightDecay(SameDiff sd) {
        this.host = new SameDiffHost(sd);
    }

    /** @return the SameDiff instance this listener serves */
    public SameDiff sameDiff() {
        return host.sd;
    }

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    @Override
    public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlMs) {
        host.refresh();
        host.prepare(at.iteration());
    }
}
