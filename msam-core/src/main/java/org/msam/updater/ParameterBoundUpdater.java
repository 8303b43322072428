package org.msam.updater;

import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An updater that needs a training listener: it acts on the parameters themselves (AdamW's decoupled
 * decay, MSAM's perturbation) or needs a second forward/backward pass (SAM), which a DL4J
 * {@code GradientUpdater} cannot do alone. The listener binds the parameter views once per model and
 * arms the updater at every iteration; an updater that is not armed for the iteration it is asked to
 * run refuses with a message that says how to install the listener.
 */
public interface ParameterBoundUpdater {
    /**
     * Binds the parameters of this updater's block.
     *
     * @param blockParams all parameters of the block, as a flat vector laid out like the gradient the
     *                    updater receives
     * @param decayParams the views of the parameters that decoupled weight decay acts on (may be empty)
     */
    void bind(INDArray blockParams, List<INDArray> decayParams);

    /**
     * Declares that the listener has prepared iteration {@code iteration}.
     *
     * @param iteration the iteration the next {@code applyUpdater} call will carry
     */
    void arm(int iteration);

    /** @return true when this updater cannot run without its listener */
    boolean requiresListener();
}
