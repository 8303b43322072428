package org.msam.reference;

import java.util.function.IntToDoubleFunction;

/**
 * MSAM (Algorithm 1 of docs/ALGORITHMS.md) in plain double precision over a reference base optimizer.
 * The network holds θ̃ = θ − c·v. A step takes the gradient g computed at θ̃ and
 * d = g + λ_c·θ̃ (coupled decay on the weights held); θ = θ̃ + c·v; base step; then the next step's
 * c = ρ_{t+1}/(‖v‖ + δ) (0 while v = 0) and θ̃ = θ − c·v.
 */
public final class RefMsam {
    public static final double DELTA = 1e-12;

    private final RefOptimizer base;
    private final IntToDoubleFunction rho;
    private final double l2;
    private final double[] theta;
    private final double[] held;
    private final boolean[] perturbed;
    private double c;
    private double stepC;

    /**
     * @param base   the base optimizer, constructed WITHOUT coupled decay (MSAM adds λ_c·θ̃ itself)
     * @param rho    ρ_t by iteration
     * @param l2     coupled weight decay λ_c, applied at θ̃
     * @param theta0 the initial weights
     */
    public RefMsam(RefOptimizer base, IntToDoubleFunction rho, double l2, double[] theta0) {
        this(base, rho, l2, theta0, null);
    }

    /**
     * @param perturbed the parameters the perturbation acts on, and the norm runs over (BN-only MSAM), or null for
     *                  all
     */
    public RefMsam(RefOptimizer base, IntToDoubleFunction rho, double l2, double[] theta0, boolean[] perturbed) {
        this.perturbed = perturbed;
        this.base = base;
        this.rho = rho;
        this.l2 = l2;
        this.theta = theta0.clone();
        this.held = theta0.clone();
    }

    /** @return θ̃, the weights the network holds (where the next gradient is evaluated) */
    public double[] held() {
        return held;
    }

    /** @return θ, the true weights */
    public double[] theta() {
        return theta;
    }

    /** @return c of the next step's perturbation (the one {@link #held()} carries) */
    public double c() {
        return c;
    }

    /** @return c of the last step's perturbation: the scale a host reports after that step */
    public double stepC() {
        return stepC;
    }

    public double[] momentum() {
        return base.momentum();
    }

    private boolean on(int i) {
        return perturbed == null || perturbed[i];
    }

    /** @param g the gradient at {@link #held()} */
    public void step(double[] g, int iteration) {
        int n = theta.length;
        stepC = c;
        double[] d = new double[n];
        double[] v = base.momentum();
        for (int i = 0; i < n; i++) {
            d[i] = g[i] + l2 * held[i];
            theta[i] = held[i] + (on(i) ? c * v[i] : 0);
        }
        base.step(theta, d, iteration);
        v = base.momentum();
        double sq = 0;
        for (int i = 0; i < n; i++) {
            sq += on(i) ? v[i] * v[i] : 0;
        }
        c = sq == 0 ? 0 : rho.applyAsDouble(iteration + 1) / (Math.sqrt(sq) + DELTA);
        for (int i = 0; i < n; i++) {
            held[i] = theta[i] - (on(i) ? c * v[i] : 0);
        }
    }
}
