package org.msam.reference;

import java.util.function.BiFunction;

import org.nd4j.linalg.dataset.DataSet;

/** LookSAM in double precision over {@link RefSgd}, gradients from the oracle; g_v in mean-gradient units. */
public final class RefLookSam {
    private static final double DELTA = 1e-12;

    private final RefSgd base;
    private final double rho;
    private final int period;
    private final double alpha;
    /** The true weights θ, stepped in place. */
    public final double[] theta;
    /** g_v of the last SAM step. */
    public final double[] gv;

    /**
     * @param base   the base optimizer
     * @param rho    ρ of the SAM steps
     * @param period k: a SAM step every k iterations
     * @param alpha  α, the weight of g_v in between
     * @param theta0 the initial weights (copied)
     */
    public RefLookSam(RefSgd base, double rho, int period, double alpha, double[] theta0) {
        this.base = base;
        this.rho = rho;
        this.period = period;
        this.alpha = alpha;
        this.theta = theta0.clone();
        this.gv = new double[theta0.length];
    }

    /**
     * @param oracle the mean gradient of (θ, batch)
     * @param batch  the mini-batch
     * @param t      the iteration
     */
    public void step(BiFunction<double[], DataSet, double[]> oracle, DataSet batch, int t) {
        int n = theta.length;
        double[] g = oracle.apply(theta, batch);
        double gg = 0;
        for (double x : g) {
            gg += x * x;
        }
        double[] gs;
        if (t % period == 0) {
            double scale = rho / (Math.sqrt(gg) + DELTA);
            double[] p = theta.clone();
            for (int i = 0; i < n; i++) {
                p[i] += scale * g[i];
            }
            gs = oracle.apply(p, batch);
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += gs[i] * g[i];
            }
            for (int i = 0; i < n; i++) {
                gv[i] = gs[i] - dot / (gg + DELTA) * g[i];
            }
        } else {
            double vv = 0;
            for (double x : gv) {
                vv += x * x;
            }
            double a = alpha * Math.sqrt(gg) / (Math.sqrt(vv) + DELTA);
            gs = new double[n];
            for (int i = 0; i < n; i++) {
                gs[i] = g[i] + a * gv[i];
            }
        }
        base.step(theta, gs, t);
    }
}
