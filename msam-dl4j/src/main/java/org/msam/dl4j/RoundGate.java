package org.msam.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes a round of {@link SharpnessAwareParallelWrapper}'s AVERAGING mode all or nothing: the last in-step listener
 * of every worker, it checks the worker's step gradient and loss (after the driver's own passes), then waits in
 * {@code onGradientCalculation}, before DL4J's updater, until every worker of the round has arrived. If any worker's
 * gradient or loss is not finite, or any worker's step failed before arriving, no worker steps: every worker throws,
 * and the network and every worker keep θ and the optimizer state from before the round (the drivers move a worker
 * that holds MSAM's θ̃ back to θ when its step throws).
 */
final class RoundGate extends BaseTrainingListener {
    private boolean open;
    private int parties;
    private int arrived;
    private boolean aborted;
    private String refusal;

    /**
     * Thrown by the workers that waited for a round another worker failed; the wrapper reports the other worker's
     * exception.
     */
    static final class RoundAborted extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        RoundAborted() {
            super("Another worker's step of this round failed, so no worker stepped");
        }
    }

    /** Before a round: {@code parties} workers will arrive. */
    synchronized void open(int parties) {
        this.open = true;
        this.parties = parties;
        this.arrived = 0;
        this.aborted = false;
        this.refusal = null;
    }

    /** After a round (or outside the wrapper's rounds): the listener does nothing. */
    synchronized void close() {
        open = false;
        notifyAll();
    }

    /** A worker's step failed before it arrived: the workers waiting, and those still to come, do not step. */
    synchronized void abort() {
        aborted = true;
        notifyAll();
    }

    @Override
    public void onGradientCalculation(Model model) {
        double score = model.score();
        Gradient g = model.gradient();
        INDArray flat = g == null ? null : g.gradient();
        boolean finite = Double.isFinite(score) && (flat == null || org.msam.rule.Norms.allFinite(flat));
        arrive(finite, score, model);
    }

    private synchronized void arrive(boolean finite, double score, Model model) {
        if (!open) {
            return;
        }
        if (aborted) {
            throw new RoundAborted();
        }
        if (!finite && refusal == null) {
            refusal = "non-finite gradient or loss on a worker at iteration " + Net.of(model).iteration() + " (epoch "
                    + Net.of(model).epoch() + "): loss " + score + ". No worker's step of this round was applied: the "
                    + "network and every worker keep the weights and optimizer state from before the round. Lower the "
                    + "learning rate or rho, check the inputs for NaN/Inf, or clip gradients (GlobalGradientClipping).";
        }
        arrived++;
        notifyAll();
        while (open && arrived < parties && !aborted) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                aborted = true;
                notifyAll();
            }
        }
        if (aborted) {
            throw new RoundAborted();
        }
        if (refusal != null) {
            throw new ArithmeticException(refusal);
        }
    }
}
