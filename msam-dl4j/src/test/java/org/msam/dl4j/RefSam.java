package org.msam.dl4j;

import org.msam.reference.RefOptimizer;
import org.nd4j.linalg.dataset.DataSet;

/**
 * SAM (ALGORITHMS.md) in double precision: g1 = ∇L(θ); e = ρ·g1/(‖g1‖ + δ) (adaptive: ρ·T²·g1/(‖T·g1‖ + δ),
 * T = |θ| + η_a); g2 = ∇L(θ + e); base step at θ with g2.
 */
final class RefSam {
    private final RefOptimizer base;
    private final double rho;
    private final boolean adaptive;
    private final double eta;
    final double[] theta;

    RefSam(RefOptimizer base, double rho, boolean adaptive, double eta, double[] theta0) {
        this.base = base;
        this.rho = rho;
        this.adaptive = adaptive;
        this.eta = eta;
        this.theta = theta0.clone();
    }

    void step(Oracle oracle, DataSet batch, int iteration) {
        int n = theta.length;
        double[] g1 = oracle.gradient(theta, batch);
        double[] tg = new double[n];
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double t = adaptive ? Math.abs(theta[i]) + eta : 1;
            tg[i] = t * g1[i];
            sq += tg[i] * tg[i];
        }
        double scale = rho / (Math.sqrt(sq) + 1e-12);
        double[] p = theta.clone();
        for (int i = 0; i < n; i++) {
            double t = adaptive ? Math.abs(theta[i]) + eta : 1;
            p[i] += scale * t * tg[i];
        }
        double[] g2 = oracle.gradient(p, batch);
        base.step(theta, g2, iteration);
    }
}
