package org.msam.reference;

import org.nd4j.linalg.dataset.DataSet;

/**
 * SAM (docs/ALGORITHMS.md) in double precision: g1 = ∇L(θ); e = ρ·g1/(‖g1‖ + δ) (adaptive: ρ·T²·g1/(‖T·g1‖ + δ),
 * T = |θ| + η_a); g2 = ∇L(θ + e); base step at θ with g2.
 */
public final class RefSam {
    private final RefOptimizer base;
    private final double rho;
    private final boolean adaptive;
    private final double eta;
    /** The true weights θ, stepped in place. */
    public final double[] theta;
    private final boolean[] perturbed;

    /**
     * @param base     the base optimizer
     * @param rho      ρ
     * @param adaptive adaptive SAM (T = |θ| + η_a)
     * @param eta      η_a
     * @param theta0   the initial weights (copied)
     */
    public RefSam(RefOptimizer base, double rho, boolean adaptive, double eta, double[] theta0) {
        this(base, rho, adaptive, eta, theta0, null);
    }

    /** @param perturbed the parameters the ascent acts on and the norm runs over (BN-only SAM), or null for all */
    public RefSam(RefOptimizer base, double rho, boolean adaptive, double eta, double[] theta0, boolean[] perturbed) {
        this.perturbed = perturbed;
        this.base = base;
        this.rho = rho;
        this.adaptive = adaptive;
        this.eta = eta;
        this.theta = theta0.clone();
    }

    /**
     * One step with gradients from {@code oracle}, which maps (θ, batch) to the mean gradient.
     *
     * @param oracle    the gradient
     * @param batch     the mini-batch
     * @param iteration the iteration, for the base's schedules
     */
    public void step(java.util.function.BiFunction<double[], DataSet, double[]> oracle, DataSet batch, int iteration) {
        int n = theta.length;
        double[] g1 = oracle.apply(theta, batch);
        double[] tg = new double[n];
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double t = adaptive ? Math.abs(theta[i]) + eta : 1;
            tg[i] = perturbed == null || perturbed[i] ? t * g1[i] : 0;
            sq += tg[i] * tg[i];
        }
        double scale = rho / (Math.sqrt(sq) + 1e-12);
        double[] p = theta.clone();
        for (int i = 0; i < n; i++) {
            double t = adaptive ? Math.abs(theta[i]) + eta : 1;
            p[i] += scale * t * tg[i];
        }
        double[] g2 = oracle.apply(p, batch);
        base.step(theta, g2, iteration);
    }
}
