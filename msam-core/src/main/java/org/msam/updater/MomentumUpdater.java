package org.msam.updater;

import org.nd4j.linalg.api.ndarray.INDArray;

/** An updater whose state holds the direction MSAM perturbs along. */
public interface MomentumUpdater {
    /**
     * @return the momentum buffer as a flat vector laid out like the block's parameters: SGD's {@code v}
     *     or AdamW's first moment {@code m} (not bias-corrected), or null when there is none
     */
    INDArray momentum();

    /**
     * Lays the state out for a block of {@code numParams} parameters. DL4J sizes a block's state as the sum of
     * {@code stateSize(n)} over the block's variables, so buffers sit at the front of the view (and the per-block
     * numbers of a model saved with state layout 0 at its end); the buffers' length is known once the block's size
     * is (from the first gradient, or from this call).
     *
     * @param numParams the number of parameters of the block
     */
    void resolve(long numParams);
}
