package org.msam.dl4j;

/**
 * Holds a model (MultiLayerNetwork, ComputationGraph or SameDiff instance) at its true weights θ until closed; see
 * {@link SharpnessAware#unperturbed(org.deeplearning4j.nn.api.Model)} and
 * {@link SharpnessAware#unperturbed(org.nd4j.autodiff.samediff.SameDiff)}. Closing re-applies the perturbation only
 * if the model held it when the scope was opened.
 */
public final class PerturbationScope implements AutoCloseable {
    private final Runnable reapply;
    private final boolean restore;
    private boolean closed;

    /**
     * @param reapply re-applies the perturbation
     * @param restore whether the model held the perturbation when the scope was opened
     */
    PerturbationScope(Runnable reapply, boolean restore) {
        this.reapply = reapply;
        this.restore = restore;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (restore) {
                reapply.run();
            }
        }
    }
}
