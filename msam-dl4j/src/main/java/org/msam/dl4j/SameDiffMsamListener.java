package org.msam.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.msam.config.Msam;
import org.msam.updater.MsamPerturbation;
import org.msam.updater.MsamUpdater;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.GradientUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs MSAM (Becker et al. 2024, Algorithm 1) in {@code SameDiff.fit} when the {@code TrainingConfig}'s updater is
 * an {@link Msam}. Installed by {@link SharpnessAware#install(SameDiff)}.
 *
 * <p>Per iteration, with c and the momentum v taken from the updater state:
 * <ol>
 *   <li>{@code iterationStart}: θ̃ = θ − c·v in every trainable variable;</li>
 *   <li>SameDiff's forward/backward pass at θ̃; as soon as a variable's gradient exists, SameDiff adds the
 *       regularization of its {@code TrainingConfig} (L2 at θ̃, as in ALGORITHMS.md) and calls the variable's
 *       {@link MsamUpdater}, which restores θ = θ̃ + c·v in that variable and takes the base step on θ; the update is
 *       subtracted;</li>
 *   <li>{@code iterationDone}: c ← ρ_t/(‖v‖ + δ) over all variables. The perturbation is <em>not</em> re-applied: the
 *       variables hold θ until the next {@code iterationStart}.</li>
 * </ol>
 * This is the same trajectory as the network listener {@link MsamListener}, which keeps θ̃ in the network between
 * iterations instead; here evaluation, validation, {@code sd.output}, {@code sd.save} and the end of {@code fit} all
 * see θ, at the same cost (one pass θ̃ = θ − c·v per step, made at the start of the iteration instead of the end of
 * the previous one, plus one norm of v). A model saved with its updater state
 * ({@code sd.save(file, true)}) resumes exactly after {@code SameDiff.load(file, true)} and a new
 * {@code SharpnessAware.install(sd)}.
 *
 * <p>The first step is a plain base step (c = 0). SameDiff creates its updaters during the first iteration, after
 * {@code iterationStart}; they are bound and armed at the first op output of that iteration, before any of them runs.
 *
 * <p>Requirements: every trainable variable's array is C-ordered and contiguous (the usual case; checked), and the
 * gradients SameDiff computes are C-ordered (checked at every step).
 */
public final class SameDiffMsamListener extends SameDiffSharpnessAwareListener {
    private static final Logger LOG = LoggerFactory.getLogger(SameDiffMsamListener.class);

    private MsamPerturbation perturbation;
    private int perturbationGeneration = Integer.MIN_VALUE;
    private boolean warnedNegativeRho;

    SameDiffMsamListener(SameDiff sd) {
        super(sd);
    }

    @Override
    String algorithm() {
        return "MSAM";
    }

    @Override
    void bind() {
        TrainingConfig tc = binding.sd.getTrainingConfig();
        if (tc == null || !(tc.getUpdater() instanceof Msam)) {
            throw new IllegalStateException("The SameDiff MSAM listener needs a TrainingConfig whose updater is an Msam,"
                    + " found " + (tc == null ? "no TrainingConfig" : tc.getUpdater()));
        }
        perturbation();
    }

    /** @return the perturbation over all trainable variables, or null while SameDiff has not created its updaters */
    private MsamPerturbation perturbation() {
        if (!binding.refresh()) {
            return null;
        }
        if (perturbationGeneration != binding.generation()) {
            List<MsamUpdater> updaters = new ArrayList<>();
            for (Map.Entry<String, GradientUpdater<?>> e : binding.updaters().entrySet()) {
                if (!(e.getValue() instanceof MsamUpdater)) {
                    throw new IllegalStateException("MSAM needs every trainable variable to use an Msam updater (the "
                            + "perturbation uses the global momentum norm), but variable \"" + e.getKey() + "\" uses "
                            + e.getValue().getConfig());
                }
                updaters.add((MsamUpdater) e.getValue());
            }
            perturbation = new MsamPerturbation(updaters);
            perturbationGeneration = binding.generation();
            Msam cfg = updaters.get(0).getConfig();
            if (!warnedNegativeRho && cfg.getRhoSchedule() == null && cfg.getRho() < 0) {
                warnedNegativeRho = true;
                LOG.warn("Msam rho = {} < 0 perturbs along the positive momentum; the paper finds this lowers test "
                        + "accuracy", cfg.getRho());
            }
        }
        return perturbation;
    }

    /** @return c, the scale of the perturbation θ̃ = θ − c·v the next iteration applies */
    public double scale() {
        MsamPerturbation p = perturbation();
        return p == null ? 0 : p.scale();
    }

    /** @return ‖v‖, the global norm of the momentum buffer */
    public double momentumNorm() {
        MsamPerturbation p = perturbation();
        return p == null ? 0 : p.momentumNorm();
    }

    @Override
    boolean isPerturbed() {
        MsamPerturbation p = perturbation();
        if (p == null) {
            return false;
        }
        for (MsamUpdater u : p.blocks()) {
            if (u.isPerturbed() && u.scale() != 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    void removePerturbation() {
        MsamPerturbation p = perturbation();
        if (p != null) {
            p.unperturb();
        }
    }

    @Override
    void applyPerturbation() {
        MsamPerturbation p = perturbation();
        if (p != null) {
            p.perturb();
        }
    }

    @Override
    public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlMs) {
        if (!binding.begin(at)) {
            return;
        }
        // Null only before SameDiff has created the updaters: the state is then new and c = 0.
        MsamPerturbation p = perturbation();
        if (p != null) {
            p.perturb();
        }
    }

    @Override
    public void activationAvailable(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, String varName,
                                    INDArray activation) {
        String variable = binding.gradientOutput(at, varName);
        if (variable != null && activation.rank() > 1 && activation.ordering() != 'c') {
            throw new IllegalStateException("MSAM: the gradient of variable \"" + variable + "\" has ordering '"
                    + activation.ordering() + "'; the momentum buffer is laid out in C order, which this library "
                    + "supports only");
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        if (!binding.end(at)) {
            return;
        }
        MsamPerturbation p = perturbation();
        if (p == null) {
            return;
        }
        // Variables without a gradient (not connected to the loss) were never passed to their updater.
        p.unperturb();
        p.updateScale(at.iteration(), at.epoch());
    }
}
