package org.msam.dl4j;

/**
 * Holds a SameDiff instance at its true weights θ until closed; see {@link SharpnessAware#unperturbed(
 * org.nd4j.autodiff.samediff.SameDiff)}. Closing re-applies the perturbation only if the instance held it when the
 * scope was opened (which happens only inside a training iteration, or after one was aborted by an exception).
 */
public final class SameDiffPerturbationScope implements AutoCloseable {
    private final SameDiffSharpnessAwareListener listener;
    private final boolean restore;
    private boolean closed;

    SameDiffPerturbationScope(SameDiffSharpnessAwareListener listener, boolean restore) {
        this.listener = listener;
        this.restore = restore;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (restore) {
                listener.applyPerturbation();
            }
        }
    }
}
