package org.msam.updater;

import org.nd4j.linalg.api.ndarray.INDArray;

/** An updater whose state holds the direction MSAM perturbs along. */
public interface MomentumUpdater {
    /**
     * @return the momentum buffer as a flat vector laid out like the block's parameters: SGD's {@code v}
     *     or AdamW's first moment {@code m} (not bias-corrected), or null when there is none
     */
    INDArray momentum();
}
