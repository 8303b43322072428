package org.msam.dl4j;

import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.BackpropType;
import org.msam.config.Msam;
import org.msam.updater.MsamPerturbation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs MSAM (Becker et al. 2024, Algorithm 1) on a MultiLayerNetwork or ComputationGraph whose trainable
 * parameters all use an {@link Msam} updater. Installed by {@link SharpnessAware#install}.
 *
 * <p>Per iteration: DL4J's forward/backward at θ̃; in {@code onGradientCalculation} the gradient is checked
 * and the blocks are armed; each block's updater removes the perturbation (θ = θ̃ + c·v) and takes the base
 * step; in {@code iterationDone}, c ← ρ_t/(‖v‖ + δ) over all blocks, the user's listeners run at θ, then
 * θ̃ = θ − c·v. {@code onEpochEnd} removes the perturbation before the user's listeners run, so after
 * {@code fit(iterator)} returns the network holds θ; {@code onEpochStart} re-applies it.
 *
 * <p>{@code fit(DataSet)} and {@code fit(MultiDataSet)} fire no epoch callbacks: between such calls the
 * network holds θ̃ (training stays exact and costs nothing extra); evaluate inside
 * {@link SharpnessAware#unperturbed} or call {@link SharpnessAware#finish}. A one-time warning says so. If a
 * forward pass ran at θ while a perturbation is pending (after {@code finish}, {@code unperturbed}, or a
 * model restored from a checkpoint saved at θ), the listener applies the perturbation and recomputes the
 * gradient once, so the trajectory is the same as without the interruption.
 *
 * <p>Cost and memory: no parameter-sized buffer; per step one norm over v and one pass θ̃ = θ − c·v, plus
 * the removal θ̃ + c·v inside the updater; one gradient sum to detect non-finite values.
 *
 * <p>Not supported (refused by {@code install}): truncated BPTT (one optimizer step per segment), layer
 * constraints (DL4J applies them after {@code iterationDone}, i.e. to θ̃), and a mix of Msam and other
 * updaters on trainable parameters. ParallelWrapper rebuilds workers without this listener, and their Msam
 * updaters then refuse to run.
 */
public final class MsamListener extends SharpnessAwareListener {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MsamListener.class);

    private transient Binding binding;
    private transient MsamPerturbation perturbation;
    private boolean inEpoch;
    private boolean warnedManualLoop;
    private boolean warnedNegativeRho;

    MsamListener() {
    }

    @Override
    String algorithm() {
        return "MSAM";
    }

    @Override
    void bind(Net net) {
        if (binding != null && !binding.isStale(net)) {
            return;
        }
        Binding b = Binding.of(net);
        if (net.backpropType() == BackpropType.TruncatedBPTT) {
            throw new IllegalStateException("MSAM does not support truncated BPTT: DL4J runs one optimizer step per "
                    + "segment. Use BackpropType.Standard, or the base optimizer without Msam.");
        }
        for (Binding.Block block : b.trainable) {
            if (!(block.updater instanceof org.msam.updater.MsamUpdater)) {
                throw new IllegalStateException("MSAM needs every trainable parameter to use an Msam updater (the "
                        + "perturbation uses the global momentum norm), but " + net.describe(block.block) + " uses "
                        + block.updater.getConfig() + ". Set the Msam updater on the network builder, or on every "
                        + "layer (per-layer learning rates: one Msam per layer with the same rho).");
            }
        }
        for (Layer l : net.layers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf() == null ? null : l.conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.BaseLayer
                    && ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf).getConstraints() != null
                    && !((org.deeplearning4j.nn.conf.layers.BaseLayer) conf).getConstraints().isEmpty()) {
                throw new IllegalStateException("MSAM does not support layer constraints (layer \""
                        + conf.getLayerName() + "\"): DL4J applies them after iterationDone, to the perturbed weights."
                        + " Remove the constraints or use Sam.");
            }
        }
        MsamPerturbation p = new MsamPerturbation(b.msam);
        Msam cfg = b.msam.get(0).getConfig();
        if (!warnedNegativeRho && cfg.getRhoSchedule() == null && cfg.getRho() < 0) {
            warnedNegativeRho = true;
            LOG.warn("Msam rho = {} < 0 perturbs along the positive momentum; the paper finds this lowers test accuracy",
                    cfg.getRho());
        }
        binding = b;
        perturbation = p;
    }

    private Net prepared(Model model) {
        Net net = Net.of(model);
        bind(net);
        return net;
    }

    @Override
    boolean isPerturbed() {
        return perturbation != null && perturbation.isPerturbed() && perturbation.scale() != 0;
    }

    @Override
    void removePerturbation() {
        if (perturbation != null) {
            perturbation.unperturb();
        }
    }

    @Override
    void applyPerturbation() {
        if (perturbation != null) {
            perturbation.perturb();
        }
    }

    /** @return c, the scale of the pending or applied perturbation θ̃ = θ − c·v */
    public double scale() {
        return perturbation == null ? 0 : perturbation.scale();
    }

    /** @return ‖v‖, the global norm of the momentum buffer */
    public double momentumNorm() {
        return perturbation == null ? 0 : perturbation.momentumNorm();
    }

    @Override
    public void onEpochStart(Model model) {
        prepared(model);
        forwardEpochStart(model);
        inEpoch = true;
        perturbation.perturb();
    }

    @Override
    public void onEpochEnd(Model model) {
        prepared(model);
        perturbation.unperturb();
        inEpoch = false;
        forwardEpochEnd(model);
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (internalPass) {
            return;
        }
        Net net = prepared(model);
        requireFinite(net, "MSAM");
        if (!perturbation.isPerturbed() && perturbation.scale() != 0) {
            perturbation.perturb();
            internalPass = true;
            try {
                net.computeGradientAndScore();
            } finally {
                internalPass = false;
            }
            requireFinite(net, "MSAM");
        }
        binding.arm(net.iteration());
        forwardGradientCalculation(model);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (internalPass) {
            return;
        }
        prepared(model);
        perturbation.updateScale(iteration, epoch);
        forwardIterationDone(model, iteration, epoch);
        if (!inEpoch && !warnedManualLoop) {
            warnedManualLoop = true;
            LOG.warn("MSAM: fit(DataSet)/fit(MultiDataSet) fire no epoch callbacks, so between calls the network holds"
                    + " the perturbed weights. Evaluate inside SharpnessAware.unperturbed(net) and call "
                    + "SharpnessAware.finish(net, data) at the end; fit(iterator) does this for you.");
        }
        perturbation.perturb();
    }

    /** @return the blocks' MSAM updaters, for diagnostics */
    List<org.msam.updater.MsamUpdater> updaters() {
        return binding == null ? List.of() : binding.msam;
    }
}
