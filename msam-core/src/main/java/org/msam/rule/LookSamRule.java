package org.msam.rule;

import java.util.List;
import java.util.Set;

import org.msam.config.LookSam;
import org.msam.updater.LookSamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LookSAM (Liu et al. 2022) over every trainable variable: docs/ALGORITHMS.md, section "LookSAM", and {@link
 * LookSam}. With ḡ the mean mini-batch gradient and s the host's gradient scale (ḡ = s·g):
 * <pre>
 *   t mod k = 0:  e = ρ·ḡ/(‖ḡ‖ + δ), θ + e held for the pass;  g_v = ḡ_s − (⟨ḡ_s, ḡ⟩/(‖ḡ‖² + δ))·ḡ  (after it)
 *   otherwise:    g ← g + (α·‖ḡ‖/(‖g_v‖ + δ)/s)·g_v
 * </pre>
 * g_v is kept in mean-gradient units in each {@link LookSamUpdater}'s state.
 */
public final class LookSamRule implements SharpnessRule {
    private final LookSam config;
    private final List<Variable> variables;
    private final INDArray[] gv;
    private final Ascent ascent;
    private final INDArray[] g;
    private boolean refresh;
    private double dot;
    private double lookAhead;

    /**
     * @param config    the configuration of the first variable
     * @param variables every trainable variable of the model
     * @throws IllegalStateException when a variable does not use a LookSam updater or the settings differ
     */
    public LookSamRule(LookSam config, List<Variable> variables) {
        this.config = config;
        this.variables = List.copyOf(variables);
        if (variables.isEmpty()) {
            throw new IllegalStateException("LookSAM found no trainable parameter in the model");
        }
        int n = variables.size();
        this.gv = new INDArray[n];
        for (int i = 0; i < n; i++) {
            Variable v = variables.get(i);
            if (!(v.updater() instanceof LookSamUpdater)) {
                throw new IllegalStateException("LookSAM needs every trainable parameter to use a LookSam updater (its "
                        + "norms are global), but " + v.name() + " uses " + v.updater().getConfig()
                        + ". Set the LookSam updater on the network builder, or on every layer with the same settings.");
            }
            LookSamUpdater u = (LookSamUpdater) v.updater();
            if (!u.getConfig().sameRule(config)) {
                throw new IllegalStateException("All LookSam updaters of a model must share rho, period and alpha: "
                        + "found " + config + " and " + u.getConfig());
            }
            gv[i] = v.sliceOf(u.gv());
        }
        this.ascent = new Ascent(this.variables);
        this.g = new INDArray[n];
    }

    @Override
    public String name() {
        return "LookSAM";
    }

    @Override
    public Set<Need> needs() {
        return config.needs();
    }

    @Override
    public boolean beforeStepGradient(Host host, int iteration, int epoch) {
        toTrue();
        double s = host.gradientScale();
        refresh = iteration % config.getPeriod() == 0;
        if (!refresh && config.getAlpha() == 0) {
            lookAhead = 0;
            return false;
        }
        double sq = 0;
        INDArray[] grads = new INDArray[variables.size()];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = host.gradient(i);
            if (grads[i] != null) {
                sq += Norms.squaredNorm(grads[i]);
            }
        }
        double hostNorm = Math.sqrt(sq);
        double norm = hostNorm * s;
        RuleChecks.requireFiniteGradientNorm(name(), norm, iteration, epoch);
        if (!refresh) {
            double gvNorm = Math.sqrt(Norms.squaredNorm(List.of(gv)));
            lookAhead = config.getAlpha() * norm / (gvNorm + MsamRule.DELTA) / s;
            return false;
        }
        dot = 0;
        double scale = config.getRho() / (hostNorm + MsamRule.DELTA / s);
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) {
                continue;
            }
            INDArray copy = Ascent.buffer(g, i, variables.get(i).value());
            Nd4j.exec(new ScalarMultiplication(grads[i], null, copy, s));
            if (config.getRho() > 0) {
                ascent.move(i, grads[i], scale);
            }
        }
        return ascent.isAscended();
    }

    @Override
    public void stepGradientReady(Host host, int i) {
        ascent.restore(i);
        INDArray step = host.gradient(i);
        if (step == null) {
            return;
        }
        if (refresh) {
            // g_v starts as the mean second-pass gradient; the part along g is removed once ⟨ḡ_s, ḡ⟩ is known.
            Nd4j.exec(new ScalarMultiplication(step, null, gv[i], host.gradientScale()));
            if (g[i] != null) {
                dot += Norms.dot(gv[i], g[i]);
            }
        } else if (lookAhead != 0) {
            Nd4j.exec(new Axpy(gv[i], step, step, lookAhead));
        }
    }

    @Override
    public void afterStep(Host host, int iteration, int epoch) {
        toTrue();
        if (!refresh) {
            return;
        }
        refresh = false;
        double gg = 0;
        for (INDArray x : g) {
            if (x != null) {
                gg += Norms.squaredNorm(x);
            }
        }
        double coef = dot / (gg + MsamRule.DELTA);
        for (int i = 0; i < gv.length; i++) {
            if (g[i] != null) {
                Nd4j.exec(new Axpy(g[i], gv[i], gv[i], -coef));
            }
        }
    }

    @Override
    public void toTrue() {
        ascent.restoreAll();
    }

    @Override
    public void toHeld(int iteration, int epoch) {
        // LookSAM keeps θ between steps.
    }

    @Override
    public boolean isPerturbed() {
        return ascent.isAscended();
    }
}
