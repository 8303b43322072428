package org.msam.reference;

import java.util.function.IntToDoubleFunction;

/**
 * torch.optim.SGD in plain double precision, written from docs/ALGORITHMS.md:
 * d = g + λ_c·θ; v ← d (first step) or μ·v + (1 − τ)·d; θ ← θ − η·v (nesterov: θ ← θ − η·(d + μ·v)).
 */
public final class RefSgd implements RefOptimizer {
    private final IntToDoubleFunction lr;
    private final double mu;
    private final double dampening;
    private final boolean nesterov;
    private final double l2;
    private double[] v;
    private int steps;

    public RefSgd(IntToDoubleFunction lr, double mu, double dampening, boolean nesterov, double l2, int n) {
        this.lr = lr;
        this.mu = mu;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.l2 = l2;
        this.v = new double[n];
    }

    @Override
    public void step(double[] theta, double[] g, int iteration) {
        double eta = lr.applyAsDouble(iteration);
        for (int i = 0; i < theta.length; i++) {
            double d = g[i] + l2 * theta[i];
            if (mu == 0) {
                theta[i] -= eta * d;
                continue;
            }
            v[i] = steps == 0 ? d : mu * v[i] + (1 - dampening) * d;
            theta[i] -= nesterov ? eta * (d + mu * v[i]) : eta * v[i];
        }
        steps++;
    }

    @Override
    public double[] momentum() {
        return v;
    }

    public int steps() {
        return steps;
    }
}
