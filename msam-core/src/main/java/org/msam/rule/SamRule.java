package org.msam.rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.msam.config.Sam;
import org.msam.updater.SamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * SAM (Foret et al. 2021) and adaptive SAM (ASAM, Kwon et al. 2021) over any base optimizer: docs/ALGORITHMS.md,
 * sections "SAM" and "Adaptive SAM". With g1 the mean mini-batch gradient at θ, over the perturbed variables:
 * <pre>
 *   e  = ρ·g1/(‖g1‖ + δ)                        (adaptive: e = ρ·T²·g1/(‖T·g1‖ + δ),  T = |θ| + η_a)
 *   θ + e is held while the step gradient g2 = ∇L_B(θ + e) is taken
 *   θ is restored from a copy before the base step with g2
 * </pre>
 * δ = {@value MsamRule#DELTA}. A host whose gradient is a sum over the mini-batch (scale s = 1/B) gets
 * e = ρ·g/(‖g‖ + δ/s), the same e. With ρ = 0 nothing is perturbed and no second pass runs.
 *
 * <p>Memory: one copy of the perturbed weights, and for adaptive SAM one more buffer for T; allocated once.
 */
public final class SamRule implements SharpnessRule {
    private final Sam config;
    private final List<Variable> variables;
    private final int[] perturbed;
    private final Ascent ascent;
    private final INDArray[] scaleT;

    /**
     * @param config    the configuration of the first variable
     * @param variables every trainable variable of the model
     * @throws IllegalStateException when a variable does not use a Sam updater or the settings differ
     */
    public SamRule(Sam config, List<Variable> variables) {
        this.config = config;
        this.variables = List.copyOf(variables);
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Variable v = variables.get(i);
            if (!(v.updater() instanceof SamUpdater && v.updater().getConfig() instanceof Sam)) {
                throw new IllegalStateException("SAM needs every trainable parameter to use a Sam updater (the "
                        + "perturbation uses the global gradient norm), but " + v.name() + " uses "
                        + v.updater().getConfig() + ". Set the Sam updater on the network builder, or on every "
                        + "layer with the same rho.");
            }
            Sam s = (Sam) v.updater().getConfig();
            if (!config.samePerturbation(s)) {
                throw new IllegalStateException("All Sam updaters of a model must share rho and adaptive settings: "
                        + "found " + config + " and " + s);
            }
            if (config.perturbs(v.kind())) {
                idx.add(i);
            }
        }
        if (idx.isEmpty()) {
            throw new IllegalStateException(variables.isEmpty() ? "SAM found no trainable parameter in the model"
                    : RuleChecks.noNormalizationParameters("SAM"));
        }
        this.perturbed = idx.stream().mapToInt(Integer::intValue).toArray();
        this.ascent = new Ascent(this.variables);
        this.scaleT = new INDArray[variables.size()];
    }

    @Override
    public String name() {
        return "SAM";
    }

    @Override
    public Set<Need> needs() {
        return config.needs();
    }

    @Override
    public boolean beforeStepGradient(Host host, int iteration, int epoch) {
        toTrue();
        if (config.getRho() == 0) {
            return false;
        }
        INDArray[] g = new INDArray[variables.size()];
        double sq = 0;
        for (int i : perturbed) {
            g[i] = host.gradient(i);
            if (g[i] == null) {
                continue;
            }
            if (config.isAdaptive()) {
                // T = |θ| + η_a, then g ← T·g: the norm is ‖T·g1‖ and a second product gives T²·g1.
                INDArray t = Ascent.buffer(scaleT, i, variables.get(i).value());
                t.assign(variables.get(i).value());
                Transforms.abs(t, false);
                t.addi(config.getAdaptiveEta());
                g[i].muli(t);
            }
            sq += Norms.squaredNorm(g[i]);
        }
        double norm = Math.sqrt(sq);
        RuleChecks.requireFiniteGradientNorm(name(), norm, iteration, epoch);
        double scale = config.getRho() / (norm + MsamRule.DELTA / host.gradientScale());
        for (int i : perturbed) {
            if (g[i] == null) {
                continue;
            }
            if (config.isAdaptive()) {
                g[i].muli(scaleT[i]);
            }
            ascent.move(i, g[i], scale);
        }
        return ascent.isAscended();
    }

    @Override
    public void stepGradientReady(Host host, int i) {
        ascent.restore(i);
    }

    @Override
    public void afterStep(Host host, int iteration, int epoch) {
        toTrue();
    }

    @Override
    public void toTrue() {
        ascent.restoreAll();
    }

    @Override
    public void toHeld(int iteration, int epoch) {
        // SAM keeps θ between steps.
    }

    @Override
    public boolean isPerturbed() {
        return ascent.isAscended();
    }
}
