package org.msam.rule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.msam.config.Mesa;
import org.msam.updater.MesaUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * MESA (Du et al. 2022a) over every trainable variable: docs/ALGORITHMS.md, section "MESA", and {@link Mesa}.
 * <pre>
 *   before the first step of a block:  θ_ema ← θ
 *   after every step:                  θ_ema ← β_e·θ_ema + (1 − β_e)·θ
 *   epoch ≥ E_start, λ &gt; 0 ({@link #distills}):  per sample, ∂ℓ/∂z += λ·τ·(softmax(z/τ) − softmax(z_ema/τ))
 * </pre>
 * The rule keeps θ_ema in each {@link MesaUpdater}'s state and never moves the weights. The distillation term
 * ({@link #addDistillationGradient}) is added by the host's driver to the output layer's per-sample loss gradient
 * during the pass, with z_ema from a forward-only pass at {@link #teacher(int)} in inference mode; the mean over the
 * mini-batch then gives the 1/|B| of the equation.
 */
public final class MesaRule implements SharpnessRule, Distillation {
    private final Mesa config;
    private final List<Variable> variables;
    private final INDArray[] ema;
    private final List<MesaUpdater> updaters = new ArrayList<>();
    private final Map<MesaUpdater, List<Integer>> byUpdater = new IdentityHashMap<>();

    /**
     * @param config    the configuration of the first variable
     * @param variables every trainable variable of the model
     * @throws IllegalStateException when a variable does not use a Mesa updater or the settings differ
     */
    public MesaRule(Mesa config, List<Variable> variables) {
        this.config = config;
        this.variables = List.copyOf(variables);
        if (variables.isEmpty()) {
            throw new IllegalStateException("MESA found no trainable parameter in the model");
        }
        this.ema = new INDArray[variables.size()];
        for (int i = 0; i < ema.length; i++) {
            Variable v = variables.get(i);
            if (!(v.updater() instanceof MesaUpdater)) {
                throw new IllegalStateException("MESA needs every trainable parameter to use a Mesa updater (the EMA "
                        + "model is the whole network), but " + v.name() + " uses " + v.updater().getConfig()
                        + ". Set the Mesa updater on the network builder, or on every layer with the same settings.");
            }
            MesaUpdater u = (MesaUpdater) v.updater();
            if (!u.getConfig().sameRule(config)) {
                throw new IllegalStateException("All Mesa updaters of a model must share lambda, temperature, emaDecay "
                        + "and startEpoch: found " + config + " and " + u.getConfig());
            }
            ema[i] = v.sliceOf(u.ema());
            if (!byUpdater.containsKey(u)) {
                byUpdater.put(u, new ArrayList<>());
                updaters.add(u);
            }
            byUpdater.get(u).add(i);
        }
    }

    @Override
    public String name() {
        return "MESA";
    }

    @Override
    public Set<Need> needs() {
        return config.needs();
    }

    /** @return the configuration */
    public Mesa config() {
        return config;
    }

    /**
     * @param epoch the 0-based epoch of the step
     * @return true when the step's loss carries the distillation term: λ &gt; 0 and epoch ≥ E_start
     */
    @Override
    public boolean distills(int epoch) {
        return config.getLambda() > 0 && epoch >= config.getStartEpoch();
    }

    /**
     * @param i the variable's index
     * @return θ_ema of variable {@code i}, a view into its updater's state (after {@link #startTeacher()})
     */
    @Override
    public INDArray teacher(int i) {
        return ema[i];
    }

    /** @return λ */
    @Override
    public double lambda() {
        return config.getLambda();
    }

    /** @return τ */
    @Override
    public double temperature() {
        return config.getTemperature();
    }

    /** @return this rule: MESA distils from θ_ema */
    @Override
    public Distillation distillation() {
        return this;
    }

    /** Sets θ_ema ← θ for every block whose EMA has not started (a new model's first step); idempotent. */
    @Override
    public void startTeacher() {
        for (MesaUpdater u : updaters) {
            if (!u.isStarted()) {
                for (int i : byUpdater.get(u)) {
                    ema[i].assign(variables.get(i).value());
                }
                u.markStarted();
            }
        }
    }

    /**
     * Adds the distillation term to a per-sample loss gradient with respect to the logits, in place:
     * {@code dz += λ·τ·(softmax(z/τ) − softmax(zEma/τ))}, row by row, times the mask.
     *
     * @param dz     the loss gradient with respect to the logits, [samples, classes], one row per sample
     * @param z      the logits of the training pass, like {@code dz}
     * @param zEma   the logits of the EMA weights, like {@code dz}
     * @param mask   null, a [samples, 1] column or a [samples, classes] array of 0/1 weights
     * @param lambda λ
     * @param tau    τ
     */
    public static void addDistillationGradient(INDArray dz, INDArray z, INDArray zEma, INDArray mask, double lambda,
                                               double tau) {
        INDArray q = Transforms.softmax(z.div(tau), false);
        INDArray r = Transforms.softmax(zEma.castTo(z.dataType()).div(tau), false);
        INDArray term = q.subi(r).muli(lambda * tau);
        if (mask != null) {
            INDArray m = mask.castTo(term.dataType());
            if (m.rank() == 2 && m.size(1) == 1 && term.size(1) != 1) {
                term.muliColumnVector(m);
            } else {
                term.muli(m.reshape(term.shape()));
            }
        }
        dz.addi(term.castTo(dz.dataType()));
    }

    @Override
    public boolean beforeStepGradient(Host host, int iteration, int epoch) {
        startTeacher();
        return false;
    }

    @Override
    public void stepGradientReady(Host host, int i) {
        // MESA's term is already in the pass's gradient.
    }

    @Override
    public void afterStep(Host host, int iteration, int epoch) {
        double b = config.getEmaDecay();
        for (int i = 0; i < ema.length; i++) {
            ema[i].muli(b);
            Nd4j.exec(new Axpy(variables.get(i).value(), ema[i], ema[i], 1 - b));
        }
    }

    @Override
    public void toTrue() {
        // MESA never moves the weights.
    }

    @Override
    public void toHeld(int iteration, int epoch) {
        // MESA never moves the weights.
    }

    @Override
    public boolean isPerturbed() {
        return false;
    }
}
