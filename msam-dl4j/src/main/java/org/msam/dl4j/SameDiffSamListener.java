package org.msam.dl4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.msam.config.Sam;
import org.msam.updater.MsamPerturbation;
import org.msam.updater.SamUpdater;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runs SAM (Foret et al. 2021) or adaptive SAM (Kwon et al. 2021) in {@code SameDiff.fit} when the
 * {@code TrainingConfig}'s updater is a {@link Sam}. Installed by {@link SharpnessAware#install(SameDiff)}.
 *
 * <p>Per iteration:
 * <ol>
 *   <li>{@code iterationStart}: g1 = ∇L_B(θ) with {@code sd.calculateGradients} on the iteration's mini-batch; e =
 *       ρ·g1/(‖g1‖ + δ) with the global norm over all trainable variables (adaptive: e = ρ·T²·g1/(‖T·g1‖ + δ),
 *       T = |θ| + η_a); θ is copied to a backup and θ + e is set in every variable;</li>
 *   <li>SameDiff's own forward/backward pass computes g2 = ∇L_B(θ + e). As soon as a variable's gradient exists
 *       (SameDiff reports the op output before it touches the variable), θ is restored in that variable from the
 *       backup; SameDiff then adds the {@code TrainingConfig}'s regularization at θ and the {@link SamUpdater} takes
 *       the base step on θ with g2;</li>
 *   <li>{@code iterationDone}: any variable without a gradient is restored too, so the variables hold θ between
 *       iterations.</li>
 * </ol>
 * With ρ = 0 the first pass is skipped and the run is the base optimizer's exactly.
 *
 * <p>The gradients are those of the loss as the graph defines it: with a mean-reduced loss (SameDiff's default,
 * {@code LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT}), g1 is the mean mini-batch gradient of ALGORITHMS.md; with a
 * summed loss e is the same direction and radius (e does not depend on the gradient's scale, up to δ = 1e-12). The
 * loss SameDiff reports for the iteration is that of the second pass, at θ + e.
 *
 * <p>Memory: one backup of θ (allocated once), and g1 for one iteration. Cost: two forward/backward passes per
 * step.
 */
public final class SameDiffSamListener extends SameDiffSharpnessAwareListener {
    private final Map<String, INDArray> backup = new HashMap<>();
    /** e of the variables whose gradient has not been reached yet in this iteration. */
    private final Map<String, INDArray> pending = new LinkedHashMap<>();
    /** The variables holding θ + e. */
    private final Set<String> perturbed = new HashSet<>();
    private int checkedGeneration = Integer.MIN_VALUE;

    SameDiffSamListener(SameDiff sd) {
        super(sd);
    }

    @Override
    String algorithm() {
        return "SAM";
    }

    private Sam config() {
        TrainingConfig tc = binding.sd.getTrainingConfig();
        if (tc == null || !(tc.getUpdater() instanceof Sam)) {
            throw new IllegalStateException("The SameDiff SAM listener needs a TrainingConfig whose updater is a Sam, "
                    + "found " + (tc == null ? "no TrainingConfig" : tc.getUpdater()));
        }
        return (Sam) tc.getUpdater();
    }

    @Override
    void bind() {
        config();
        checkUpdaters();
    }

    private void checkUpdaters() {
        if (!binding.refresh() || checkedGeneration == binding.generation()) {
            return;
        }
        for (Map.Entry<String, GradientUpdater<?>> e : binding.updaters().entrySet()) {
            if (!(e.getValue() instanceof SamUpdater)) {
                throw new IllegalStateException("SAM needs every trainable variable to use a Sam updater, but variable \""
                        + e.getKey() + "\" uses " + e.getValue().getConfig());
            }
        }
        checkedGeneration = binding.generation();
    }

    @Override
    boolean isPerturbed() {
        return !perturbed.isEmpty();
    }

    @Override
    void removePerturbation() {
        for (String name : new ArrayList<>(perturbed)) {
            restore(name);
        }
    }

    @Override
    void applyPerturbation() {
        for (Map.Entry<String, INDArray> e : pending.entrySet()) {
            if (!perturbed.contains(e.getKey())) {
                binding.param(e.getKey()).addi(e.getValue());
                perturbed.add(e.getKey());
            }
        }
    }

    private void restore(String name) {
        if (perturbed.remove(name)) {
            binding.param(name).assign(backup.get(name));
        }
    }

    private INDArray backupFor(String name, INDArray param) {
        INDArray b = backup.get(name);
        if (b == null || b.dataType() != param.dataType() || !java.util.Arrays.equals(b.shape(), param.shape())) {
            b = Nd4j.createUninitialized(param.dataType(), param.shape());
            backup.put(name, b);
        }
        return b;
    }

    @Override
    public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlMs) {
        if (!binding.begin(at)) {
            return;
        }
        // Left over only if an earlier iteration was aborted by an exception.
        removePerturbation();
        pending.clear();
        checkUpdaters();
        Sam cfg = config();
        if (cfg.getRho() == 0) {
            return;
        }
        List<String> names = binding.trainable();
        Map<String, INDArray> g = binding.sd.calculateGradients(binding.placeholders(data), names);
        Map<String, INDArray> t = cfg.isAdaptive() ? new HashMap<>() : null;
        double sq = 0;
        for (String name : names) {
            INDArray gi = g.get(name);
            if (gi == null) {
                continue;
            }
            if (t != null) {
                INDArray ti = Transforms.abs(binding.param(name), true).addi(cfg.getAdaptiveEta());
                t.put(name, ti);
                gi.muli(ti);
            }
            double n = gi.norm2Number().doubleValue();
            sq += n * n;
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new ArithmeticException("SAM: the gradient norm is " + norm + " at iteration " + at.iteration()
                    + " (epoch " + at.epoch() + "). The step was not applied and the optimizer state is unchanged. "
                    + "Lower the learning rate or rho, or check the inputs for NaN/Inf.");
        }
        double scale = cfg.getRho() / (norm + MsamPerturbation.DELTA);
        for (String name : names) {
            INDArray e = g.get(name);
            if (e == null) {
                continue;
            }
            if (t != null) {
                e.muli(t.get(name));
            }
            e.muli(scale);
            INDArray p = binding.param(name);
            backupFor(name, p).assign(p);
            p.addi(e);
            pending.put(name, e);
            perturbed.add(name);
        }
    }

    @Override
    public void activationAvailable(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, String varName,
                                    INDArray activation) {
        String variable = binding.gradientOutput(at, varName);
        if (variable != null) {
            restore(variable);
            pending.remove(variable);
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        if (binding.end(at)) {
            removePerturbation();
            pending.clear();
        }
    }
}
