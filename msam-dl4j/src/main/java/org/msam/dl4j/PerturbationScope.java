package org.msam.dl4j;

/**
 * Holds a model at its true weights θ until closed; see {@link SharpnessAware#unperturbed}. Closing
 * re-applies the perturbation only if the model held it when the scope was opened.
 */
public final class PerturbationScope implements AutoCloseable {
    private final SharpnessAwareListener listener;
    private final boolean restore;
    private boolean closed;

    PerturbationScope(SharpnessAwareListener listener, boolean restore) {
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
