package org.msam.dl4j;

import org.msam.rule.Need;
import org.msam.rule.SharpnessRule;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The driver {@link SharpnessAware#install(SameDiff)} adds to a SameDiff instance: it runs the rule of the
 * {@code TrainingConfig}'s updater ({@link org.msam.rule.SamRule}, {@link org.msam.rule.MsamRule}) around the
 * iterations of {@code sd.fit(...)}. SameDiff applies each variable's updater as soon as that variable's gradient
 * exists, so per iteration:
 * <ol>
 *   <li>{@code iterationStart}: the rule's phase before the step gradient (SAM: g1 with
 *       {@code sd.calculateGradientsAndOutputs} and the ascent θ + e; MSAM: θ̃ = θ − c·v);</li>
 *   <li>SameDiff's own pass: the loss is checked as soon as it exists, before any gradient, and a non-finite loss
 *       stops the iteration with the weights back at θ and the state unchanged; each variable's gradient is handed
 *       to the rule when SameDiff reports it, before its updater runs (SAM restores θ; MSAM's updater removes the
 *       perturbation and takes the base step);</li>
 *   <li>{@code iterationDone}: the rule's phase after the step (LookSAM's and the gradient-free directions' state); the variables hold θ again.</li>
 * </ol>
 * Between iterations the variables hold the true weights θ, for SAM and MSAM alike: after {@code fit} returns, in
 * {@code epochStart}, {@code epochEnd}, {@code iterationDone} and during validation. The perturbed weights exist
 * only from this listener's {@code iterationStart} until each variable's gradient has been computed (listeners
 * called after this one in {@code iterationStart}, and op-level callbacks, see them). With SAM the loss reported
 * for the iteration is the first pass's, at θ, as on DL4J networks.
 *
 * <p>{@link GlobalGradientClipping} and {@link MsamDiagnostics} passed to {@link SharpnessAware#install(SameDiff,
 * org.deeplearning4j.optimize.api.TrainingListener...)} run here: clipping scales each variable's gradient before its
 * updater by the factor of the global norm, which it takes from one more pass at the weights the step gradient is
 * taken at; the diagnostics record the losses at θ and θ̃ before the pass and the cosine of each variable's
 * momentum and gradient before its step.
 *
 * <p>Active for {@link Operation#TRAINING} only. One instance belongs to one SameDiff instance; install it again on
 * a model loaded from disk (the listener is not saved, the optimizer state is).
 */
public final class SameDiffSharpnessAwareListener extends BaseListener {
    final SameDiffHost host;
    private SharpnessRule rule;
    private int ruleGeneration = Integer.MIN_VALUE;
    private final LossReport lossReport = new LossReport();
    private GlobalGradientClipping clipping;
    private MsamDiagnostics diagnostics;
    private double clipCoefficient = 1;
    private MsamDiagnostics.SameDiffRecord record;

    SameDiffSharpnessAwareListener(SameDiff sd) {
        this.host = new SameDiffHost(sd);
    }

    /** @return the SameDiff instance this listener trains */
    public SameDiff sameDiff() {
        return host.sd;
    }

    /** @return the rule this driver runs */
    public SharpnessRule rule() {
        return bound();
    }

    /**
     * @param clipping    global gradient-norm clipping, or null
     * @param diagnostics MSAM diagnostics, or null
     */
    void setExtras(GlobalGradientClipping clipping, MsamDiagnostics diagnostics) {
        this.clipping = clipping;
        this.diagnostics = diagnostics;
    }

    /** @return the listener that reports the loss of the first pass; SameDiff must call it first */
    BaseListener lossReport() {
        return lossReport;
    }

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    /** Validates the configuration and binds to the updaters, creating them if SameDiff has not yet. */
    SharpnessRule bound() {
        host.refresh();
        if (rule == null || ruleGeneration != host.generation()) {
            rule = host.rule();
            ruleGeneration = host.generation();
        }
        return rule;
    }

    @Override
    public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlMs) {
        if (!host.begin(at, data)) {
            return;
        }
        SharpnessRule r = bound();
        // Left over only if an earlier iteration was aborted by an exception.
        r.toTrue();
        host.prepare(at.iteration());
        record = null;
        clipCoefficient = 1;
        try {
            if (diagnostics != null && diagnostics.records(at.iteration())) {
                if (!r.needs().contains(Need.BASE_MOMENTUM)) {
                    throw new IllegalStateException("MsamDiagnostics needs MSAM: pass it to SharpnessAware.install(sd, "
                            + "...) on a SameDiff instance whose updater is Msam");
                }
                record = diagnostics.new SameDiffRecord(at.iteration(), at.epoch(), host.loss());
            }
            r.beforeStepGradient(host, at.iteration(), at.epoch());
            if (record != null) {
                record.perturbed(host.loss(), r.momentumScale());
            }
            if (clipping != null) {
                host.recomputeGradient();
                clipCoefficient = clipping.coefficient(host);
            }
        } catch (RuntimeException e) {
            r.toTrue();
            host.end(at);
            throw e;
        }
    }

    @Override
    public void activationAvailable(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, String varName,
                                    INDArray activation) {
        if (host.isLoss(at, varName)) {
            requireFinite(at, activation, "loss");
            return;
        }
        int i = host.gradientOf(at, varName);
        if (i >= 0) {
            requireFinite(at, activation, "gradient of variable \"" + host.variables().get(i).name() + "\"");
            if (activation.rank() > 1 && activation.ordering() != 'c') {
                throw new IllegalStateException(rule.name() + ": the gradient of variable \""
                        + host.variables().get(i).name() + "\" has ordering '" + activation.ordering()
                        + "'; the optimizer state is laid out in C order, which this library supports only");
            }
            host.stepGradient(i, activation);
            rule.stepGradientReady(host, i);
            if (record != null) {
                record.gradient(activation, host.variables().get(i).momentum());
            }
            if (clipCoefficient < 1) {
                activation.muli(clipCoefficient);
            }
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        if (!host.inIteration(at)) {
            return;
        }
        // Variables without a gradient (not connected to the loss) were never passed to their updater.
        rule.toTrue();
        rule.afterStep(host, at.iteration(), at.epoch());
        host.end(at);
        if (record != null) {
            record.done();
            record = null;
        }
    }

    /**
     * Stops the iteration, with the weights back at θ, when a loss or a gradient is not finite. SameDiff computes the
     * loss and the gradients in an order of its own and steps each variable as soon as its gradient exists: a NaN or
     * infinite input makes every gradient non-finite and is refused at the first of them, before any variable was
     * stepped; a gradient that is non-finite while others before it were finite is refused too, but the variables
     * already stepped keep their step.
     */
    private void requireFinite(At at, INDArray value, String what) {
        double sum = value.sumNumber().doubleValue();
        if (!Double.isFinite(sum)) {
            rule.toTrue();
            host.end(at);
            throw new ArithmeticException(rule.name() + ": non-finite " + what + " at iteration " + at.iteration()
                    + " (epoch " + at.epoch() + "): sum " + sum + ". The step was not applied and the optimizer state "
                    + "is unchanged. Lower the learning rate or rho, or check the inputs for NaN/Inf.");
        }
    }

    /** @return true while some variable holds perturbed weights */
    boolean isPerturbed() {
        return bound().isPerturbed();
    }

    /**
     * Puts the loss of the gradient taken before the step's pass (SAM's first pass, at θ) into the iteration's
     * {@link Loss}, before any other listener reads it. SameDiff's own pass ran at θ + e.
     */
    private final class LossReport extends BaseListener {
        @Override
        public boolean isActive(Operation operation) {
            return operation == Operation.TRAINING;
        }

        @Override
        public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
            double[] first = host.inIteration(at) ? host.firstPassLoss() : null;
            if (first == null || loss == null) {
                return;
            }
            double[] values = loss.getLosses();
            System.arraycopy(first, 0, values, 0, Math.min(first.length, values.length));
        }
    }
}
