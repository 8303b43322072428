package org.msam.rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import org.msam.config.FreePerturbation;
import org.msam.updater.FreePerturbationUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The gradient-free perturbations of Becker et al. 2024, Appendix A.6, over every trainable variable of a model:
 * docs/ALGORITHMS.md, section "Other gradient-free perturbations", and {@link FreePerturbation}. With the unit direction
 * ê kept in every {@link FreePerturbationUpdater}'s state:
 * <pre>
 *   before the step's pass (the host's {@link #toHeld}):  θ̃ = θ + ρ_t·ê, with the step's own ρ_t (as MSAM)
 *   in each block's updater:   θ = θ̃ − ρ_t·ê;  g kept as the next d (last gradient);  the base step
 *   after the step:            x = d_{t+1} (relative: |θ| ⊙ d_{t+1});  ê ← −x/(‖x‖ + δ),  δ = {@value #DELTA}
 * </pre>
 * d_{t+1} is ±g_t, or ξ_{t+1} ~ N(0, I) drawn by {@link #draw}. ê = 0 before the first step, so the first step is a
 * plain base step, and ρ = 0 is the base optimizer exactly. A model saved with state layout 0 keeps e = ρ·ê with ρ of
 * the step that computed it, and is stepped as it was.
 */
public final class FreePerturbationRule extends HeldPerturbationRule<FreePerturbationUpdater> {
    /** δ added to the norm before dividing: {@value}. */
    public static final double DELTA = 1e-12;

    private final FreePerturbation config;
    /** (θ, e, g or null) of each variable, in the model's order. */
    private final List<INDArray[]> views;
    private Random random;

    /**
     * @param config    the configuration of the first variable
     * @param variables every trainable variable of the model
     * @throws IllegalStateException when a variable does not use a FreePerturbation updater or the perturbation
     *                               settings differ between layers
     */
    public FreePerturbationRule(FreePerturbation config, List<Variable> variables) {
        super(updatersOf(config, variables));
        this.config = config;
        List<INDArray[]> vs = new ArrayList<>();
        for (Variable v : variables) {
            FreePerturbationUpdater u = (FreePerturbationUpdater) v.updater();
            vs.add(new INDArray[] {v.value(), v.sliceOf(u.perturbation()),
                    u.lastGradient() == null ? null : v.sliceOf(u.lastGradient())});
        }
        this.views = Collections.unmodifiableList(vs);
    }

    /**
     * @return the distinct FreePerturbation updaters of the variables
     * @throws IllegalStateException when a variable does not use a FreePerturbation updater, the perturbation settings
     *                               differ, or there is no variable
     */
    private static List<FreePerturbationUpdater> updatersOf(FreePerturbation config, List<Variable> variables) {
        return distinctUpdaters(variables, FreePerturbationUpdater.class,
                v -> "FreePerturbation needs every trainable parameter to use a FreePerturbation updater (the "
                        + "perturbation uses a global norm), but " + v.name() + " uses " + v.updater().getConfig()
                        + ". Set the updater on the network builder, or on every layer.",
                (v, u) -> {
                    String differs = config.perturbationDifference(u.getConfig());
                    return differs == null ? null : "All FreePerturbation updaters of a model must share the "
                            + "direction, form, rho, rhoSchedule and seed (the perturbation is global), but "
                            + v.name() + " has another: " + differs + ". Give every layer the same values.";
                },
                "FreePerturbation found no trainable parameter in the model");
    }

    @Override
    public String name() {
        return "FreePerturbation(" + config.getDirection() + (config.isRelative() ? ", relative" : "") + ")";
    }

    @Override
    public Set<Need> needs() {
        return config.needs();
    }

    @Override
    double rhoAt(int iteration, int epoch) {
        return config.rhoAt(iteration, epoch);
    }

    /** The step's ρ, which every block's perturbation is scaled by (layout 0: 1, e holds it already). */
    @Override
    void prepare(int iteration, int epoch) {
        double rho = config.hasLegacyStateLayout() ? 1 : config.rhoAt(iteration, epoch);
        for (FreePerturbationUpdater u : updaters) {
            u.setRho(rho);
        }
    }

    /**
     * The direction of the next step: ê = −x/(‖x‖ + δ) with x = d_{t+1}, or |θ| ⊙ d_{t+1} in the relative form, at
     * θ after the step (layout 0: e = ρ_t·ê with ρ_t of this step).
     *
     * @throws ArithmeticException when ‖x‖ is not finite (the base optimizer produced non-finite values)
     */
    @Override
    public void afterStep(Host host, int iteration, int epoch) {
        toTrue();
        // the length of the stored perturbation: 1 for ê; layout 0 stores e = ρ_t·ê
        double length = config.hasLegacyStateLayout() ? config.rhoAt(iteration, epoch) : 1;
        FreePerturbation.Direction d = config.getDirection();
        if (d == FreePerturbation.Direction.RANDOM) {
            draw(iteration + 1);
        }
        double sq = 0;
        for (INDArray[] v : views) {
            INDArray e = v[1];
            if (d != FreePerturbation.Direction.RANDOM) {
                e.assign(v[2]);
            }
            if (config.isRelative()) {
                e.muli(Transforms.abs(v[0], true));
            }
            sq += Norms.squaredNorm(e);
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new ArithmeticException(name() + ": the norm of the direction is " + norm + " after iteration "
                    + iteration + " (epoch " + epoch + "): the base optimizer produced non-finite values. Lower the "
                    + "learning rate or check the data, and restore the model from a checkpoint.");
        }
        double c = (d == FreePerturbation.Direction.NEGATIVE_LAST_GRADIENT ? length : -length) / (norm + DELTA);
        for (INDArray[] v : views) {
            v[1].muli(c);
        }
    }

    /**
     * Writes ξ ~ N(0, I) for the step of {@code iteration} into every variable's e, in the model's order, from ND4J's
     * generator seeded with {@link #seedOf(long, int)}.
     */
    private void draw(int iteration) {
        if (random == null) {
            random = Nd4j.getRandomFactory().getNewRandomInstance(config.getSeed());
        }
        random.setSeed(seedOf(config.getSeed(), iteration));
        for (INDArray[] v : views) {
            Nd4j.getExecutioner().exec(new GaussianDistribution(v[1], 0.0, 1.0), random);
        }
    }

    /**
     * @param seed      the configuration's seed
     * @param iteration the iteration of the step the direction is for
     * @return the generator's seed for that step: the two mixed by SplitMix64's finaliser
     */
    public static long seedOf(long seed, int iteration) {
        long z = seed + 0x9E3779B97F4A7C15L * (iteration + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
