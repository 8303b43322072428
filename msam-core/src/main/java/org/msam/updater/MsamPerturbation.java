package org.msam.updater;

import java.util.List;

import org.msam.config.Msam;

/**
 * The global part of MSAM over all updater blocks of a model: after the base step of iteration t,
 * <pre>
 *   c ← ρ_t/(‖v‖ + δ)     ‖v‖ the global norm of every block's momentum buffer, δ = {@value #DELTA}
 *   θ̃ = θ − c·v          in every block
 * </pre>
 * Cost: one read of v (the norm) and one read of v plus a read/write of θ (the perturbation) per
 * step; no parameter-sized buffer is allocated.
 */
public final class MsamPerturbation {
    /** δ added to the norm before dividing: {@value}. */
    public static final double DELTA = 1e-12;

    private final List<MsamUpdater> blocks;
    private final Msam config;

    /**
     * @param blocks the MSAM updaters of every trainable block of the model, bound to their parameters
     * @throws IllegalArgumentException if there are none, or their ρ settings differ
     */
    public MsamPerturbation(List<MsamUpdater> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("MSAM needs at least one block with an Msam updater");
        }
        this.blocks = List.copyOf(blocks);
        this.config = blocks.get(0).getConfig();
        for (MsamUpdater b : blocks) {
            if (!b.getConfig().sameRho(config)) {
                throw new IllegalArgumentException("All Msam updaters of a model must share rho and rhoSchedule (the "
                        + "perturbation is global): found " + config + " and " + b.getConfig());
            }
        }
    }

    /** @return the blocks */
    public List<MsamUpdater> blocks() {
        return blocks;
    }

    /** @param iteration the iteration the listener has prepared */
    public void arm(int iteration) {
        for (MsamUpdater b : blocks) {
            b.arm(iteration);
        }
    }

    /** @return ‖v‖ over all blocks */
    public double momentumNorm() {
        double sq = 0;
        for (MsamUpdater b : blocks) {
            sq += Views.squaredNorm(b.momentum());
        }
        return Math.sqrt(sq);
    }

    /**
     * Computes and stores c ← ρ_t/(‖v‖ + δ) after the base step; the blocks must hold θ.
     *
     * @param iteration the iteration of the step just taken
     * @param epoch     its epoch
     * @return the new c
     * @throws ArithmeticException if ‖v‖ is not finite
     */
    public double updateScale(int iteration, int epoch) {
        double norm = momentumNorm();
        if (!Double.isFinite(norm)) {
            throw new ArithmeticException("MSAM: the momentum norm is " + norm + " after iteration " + iteration
                    + " (epoch " + epoch + "): the base optimizer produced non-finite values. Lower the learning rate"
                    + " or check the data, and restore the model from a checkpoint.");
        }
        double c = config.rhoAt(iteration, epoch) / (norm + DELTA);
        for (MsamUpdater b : blocks) {
            b.setScale(c);
        }
        return c;
    }

    /** θ̃ = θ − c·v in every block that holds θ. */
    public void perturb() {
        for (MsamUpdater b : blocks) {
            b.applyPerturbation();
        }
    }

    /** θ = θ̃ + c·v in every block that holds θ̃. */
    public void unperturb() {
        for (MsamUpdater b : blocks) {
            b.removePerturbation();
        }
    }

    /** @return true while the model holds θ̃ */
    public boolean isPerturbed() {
        return blocks.get(0).isPerturbed();
    }

    /** @return the current c */
    public double scale() {
        return blocks.get(0).scale();
    }
}
