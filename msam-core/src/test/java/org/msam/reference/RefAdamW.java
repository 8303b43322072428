package org.msam.reference;

import java.util.function.IntToDoubleFunction;

/**
 * torch.optim.AdamW in plain double precision, written from docs/ALGORITHMS.md:
 * m ← β1·m + (1−β1)·g; s ← β2·s + (1−β2)·g²; θ ← θ − η·λ·θ − η·(m/(1−β1^t))/(√(s/(1−β2^t)) + ε).
 */
public final class RefAdamW implements RefOptimizer {
    private final IntToDoubleFunction lr;
    private final double b1;
    private final double b2;
    private final double eps;
    private final double wd;
    private final boolean[] decayed;
    private final double[] m;
    private final double[] s;
    private int t;

    /** @param decayed which parameters are decayed (null: all) */
    public RefAdamW(IntToDoubleFunction lr, double b1, double b2, double eps, double wd, boolean[] decayed, int n) {
        this.lr = lr;
        this.b1 = b1;
        this.b2 = b2;
        this.eps = eps;
        this.wd = wd;
        this.decayed = decayed;
        this.m = new double[n];
        this.s = new double[n];
    }

    @Override
    public void step(double[] theta, double[] g, int iteration) {
        double eta = lr.applyAsDouble(iteration);
        t++;
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        for (int i = 0; i < theta.length; i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
            double decay = decayed == null || decayed[i] ? eta * wd * theta[i] : 0;
            theta[i] = theta[i] - decay - eta * (m[i] / bc1) / (Math.sqrt(s[i] / bc2) + eps);
        }
    }

    @Override
    public double[] momentum() {
        return m;
    }

    public double[] secondMoment() {
        return s;
    }

    public int steps() {
        return t;
    }
}
