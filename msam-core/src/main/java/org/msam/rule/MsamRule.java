package org.msam.rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import org.msam.config.Msam;
import org.msam.updater.MsamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Momentum-SAM (Becker et al. 2024, Algorithm 1) over every updater block of a model: docs/ALGORITHMS.md, section
 * "MSAM". With v the base optimizer's momentum (AdamW: its first moment m) and c the step's scale, given to every
 * {@link MsamUpdater}:
 * <pre>
 *   before the step's pass ({@link #toHeld}, called by the host):
 *                              c = ρ_t/(‖v‖ + δ), δ = {@value #DELTA}, ‖v‖ over every perturbed variable (0 while v = 0)
 *                              θ̃ = θ − c·v
 *   before the step gradient:  the same, if the model still holds θ     (a pass at θ must then be redone)
 *   in each block's updater:   the base step, with θ = θ̃ + c·v folded into its update ({@link MsamUpdater})
 * </pre>
 * The first step is a plain base step (v = 0, c = 0) and ρ = 0 is the base optimizer exactly. Every step lands on θ:
 * hosts hold θ outside every step, for the user's listeners, and c is derived from (θ, v) and the step's ρ, so that a
 * run resumed from a checkpoint (θ, v) follows the uninterrupted one bit for bit.
 *
 * <p>Cost per step: one read of v for the norm and, for the perturbation, one read of v and a read and write of θ;
 * no parameter-sized buffer.
 */
public final class MsamRule extends HeldPerturbationRule<MsamUpdater> {
    private static final Logger LOG = LoggerFactory.getLogger(MsamRule.class);
    /** δ added to the norm before dividing: {@value}. */
    public static final double DELTA = 1e-12;

    private final Msam config;
    /** The perturbed variables' momenta, as the chunks the norm is summed over (made once). */
    private final List<INDArray> momenta;
    /** Adaptive MSAM: (θ, v, e, scratch for T) of each perturbed variable. */
    private final List<INDArray[]> adaptive;
    /** The iteration and epoch whose c the updaters hold; {@link #NONE} when the next step must derive it. */
    private int scaledIteration = NONE;
    private int scaledEpoch = NONE;
    private static final int NONE = Integer.MIN_VALUE;

    /**
     * @param config    the configuration of the first variable
     * @param variables every trainable variable of the model
     * @throws IllegalStateException when a variable does not use an Msam updater or the ρ settings differ
     */
    public MsamRule(Msam config, List<Variable> variables) {
        super(updatersOf(config, variables));
        this.config = config;
        List<INDArray> ms = new ArrayList<>();
        List<INDArray[]> ad = new ArrayList<>();
        boolean anyPerturbed = false;
        for (Variable v : variables) {
            if (config.perturbs(v.kind())) {
                anyPerturbed = true;
                if (v.momentum() != null) {
                    ms.addAll(Norms.chunks(v.momentum()));
                }
                if (config.isAdaptive()) {
                    MsamUpdater u = (MsamUpdater) v.updater();
                    ad.add(new INDArray[] {v.value(), v.momentum(), v.sliceOf(u.perturbation()), null});
                }
            }
        }
        if (!anyPerturbed) {
            throw new IllegalStateException(RuleChecks.noNormalizationParameters("MSAM"));
        }
        this.momenta = Collections.unmodifiableList(ms);
        this.adaptive = ad;
        if (config.getRhoSchedule() == null && config.getRho() < 0) {
            LOG.warn("Msam rho = {} < 0 perturbs along the positive momentum; the paper finds this lowers test accuracy",
                    config.getRho());
        }
    }

    /**
     * @return the distinct Msam updaters of the variables
     * @throws IllegalStateException when a variable does not use an Msam updater, the ρ settings differ, or there is
     *                               no variable
     */
    private static List<MsamUpdater> updatersOf(Msam config, List<Variable> variables) {
        return distinctUpdaters(variables, MsamUpdater.class,
                v -> "MSAM needs every trainable parameter to use an Msam updater (the perturbation uses the global "
                        + "momentum norm), but " + v.name() + " uses " + v.updater().getConfig() + ". Set the Msam "
                        + "updater on the network builder, or on every layer (per-layer learning rates: one Msam per "
                        + "layer with the same rho).",
                (v, u) -> {
                    String differs = config.rhoDifference(u.getConfig());
                    return differs == null ? null : "All Msam updaters of a model must share rho, rhoSchedule and "
                            + "the form of the perturbation (it is global), but " + v.name() + " has another: "
                            + differs + ". Give every layer the same values (a per-layer learning rate is fine).";
                },
                "MSAM found no trainable parameter in the model");
    }

    /** @return the distinct MSAM updaters (one per DL4J block, or per SameDiff variable) */
    public List<MsamUpdater> updaters() {
        return updaters;
    }

    @Override
    public String name() {
        return "MSAM";
    }

    @Override
    public Set<Need> needs() {
        return config.needs();
    }

    /** @return ‖v‖ over the perturbed variables */
    public double momentumNorm() {
        return Math.sqrt(Norms.squaredNorm(momenta));
    }

    /** @return the current c */
    public double scale() {
        return updaters.get(0).scale();
    }

    /** @return c: MSAM perturbs along the momentum (adaptive MSAM: the factor of T²⊙v) */
    @Override
    public double momentumScale() {
        return scale();
    }

    @Override
    double rhoAt(int iteration, int epoch) {
        return config.rhoAt(iteration, epoch);
    }

    /**
     * The step's c (adaptive MSAM: and e), from the state at θ and ρ_t, unless the updaters hold it already (the same
     * step again: a micro-batch of an accumulation window, a step retried after a refusal).
     */
    @Override
    void prepare(int iteration, int epoch) {
        if (scaledIteration == iteration && scaledEpoch == epoch) {
            return;
        }
        double rho = config.rhoAt(iteration, epoch);
        double c;
        if (config.isAdaptive()) {
            c = adaptiveScale(rho, iteration, epoch);
        } else {
            double norm = momentumNorm();
            requireFinite("the momentum norm", norm, iteration, epoch);
            c = norm == 0 ? 0 : rho / (norm + DELTA);
        }
        for (MsamUpdater u : updaters) {
            u.setScale(c);
        }
        scaledIteration = iteration;
        scaledEpoch = epoch;
    }

    /** After the step, or after the state was replaced (data-parallel averaging): the next step derives its c again. */
    @Override
    public void afterStep(Host host, int iteration, int epoch) {
        toTrue();
        scaledIteration = NONE;
        scaledEpoch = NONE;
    }

    private static void requireFinite(String what, double norm, int iteration, int epoch) {
        if (!Double.isFinite(norm)) {
            throw new ArithmeticException("MSAM: " + what + " is " + norm + " before iteration " + iteration
                    + " (epoch " + epoch + "): an earlier step of the base optimizer produced non-finite values. "
                    + "Lower the learning rate or check the data, and restore the model from a checkpoint.");
        }
    }

    /**
     * Adaptive MSAM: T = |θ| + η_a at θ, e = −ρ_t·T²⊙v/(‖T⊙v‖ + δ), into each updater's e.
     *
     * @return c = ρ_t/(‖T⊙v‖ + δ), the factor of T²⊙v (0 while v = 0)
     */
    private double adaptiveScale(double rho, int iteration, int epoch) {
        double sq = 0;
        for (INDArray[] a : adaptive) {
            if (a[3] == null) {
                a[3] = Nd4j.createUninitialized(a[0].dataType(), a[0].length());
            }
            INDArray t = a[3];
            t.assign(a[0]);
            Transforms.abs(t, false);
            t.addi(config.getAdaptiveEta());
            a[2].assign(t).muli(a[1]);
            sq += Norms.squaredNorm(a[2]);
        }
        double norm = Math.sqrt(sq);
        requireFinite("the norm of T·v", norm, iteration, epoch);
        double c = norm == 0 ? 0 : rho / (norm + DELTA);
        for (INDArray[] a : adaptive) {
            a[2].muli(a[3]).muli(-c);
        }
        return c;
    }
}
