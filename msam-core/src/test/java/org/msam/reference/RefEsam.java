package org.msam.reference;

import java.util.Arrays;

import org.nd4j.linalg.dataset.DataSet;

/** ESAM in double precision over {@link RefSgd}; gradients and per-sample losses from the oracle. */
public final class RefEsam {
    private static final double DELTA = 1e-12;

    /** The mask draw of docs/ALGORITHMS.md, written out again: SplitMix64's finaliser over seed, t and j. */
    public static boolean kept(long seed, long t, int j, double beta) {
        if (beta >= 1) {
            return true;
        }
        long phi = 0x9E3779B97F4A7C15L;
        long h = splitMix(splitMix(seed + phi * (t + 1)) + phi * (j + 1L));
        return (double) (h >>> 11) / (double) (1L << 53) < beta;
    }

    static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Mean gradients and per-sample losses at given weights. */
    public interface Source {
        /** @param theta weights @param ds mini-batch @return the mean gradient */
        double[] gradient(double[] theta, DataSet ds);

        /** @param theta weights @param ds mini-batch @return each sample's loss */
        double[] sampleLosses(double[] theta, DataSet ds);
    }

    /** The base optimizer, whose state the tests compare. */
    public final RefSgd base;
    private final double rho;
    private final double beta;
    private final double gamma;
    private final long seed;
    private final int[][] ranges;
    /** The true weights θ, stepped in place. */
    public final double[] theta;
    /** The steps whose second pass ran on part of the mini-batch. */
    public int subsetSteps;

    /**
     * @param base   the base optimizer
     * @param rho    ρ
     * @param beta   β, the fraction of variables perturbed
     * @param gamma  γ, the fraction of the mini-batch of the second pass
     * @param seed   the masks' seed
     * @param ranges each variable's [start, end) in θ
     * @param theta0 the initial weights (copied)
     */
    public RefEsam(RefSgd base, double rho, double beta, double gamma, long seed, int[][] ranges, double[] theta0) {
        this.base = base;
        this.rho = rho;
        this.beta = beta;
        this.gamma = gamma;
        this.seed = seed;
        this.ranges = ranges;
        this.theta = theta0.clone();
    }

    /**
     * @param oracle gradients and per-sample losses
     * @param batch  the mini-batch
     * @param t      the iteration
     */
    public void step(Source oracle, DataSet batch, int t) {
        double[] g = oracle.gradient(theta, batch);
        boolean[] m = new boolean[theta.length];
        double sq = 0;
        for (int j = 0; j < ranges.length; j++) {
            if (kept(seed, t, j, beta)) {
                for (int i = ranges[j][0]; i < ranges[j][1]; i++) {
                    m[i] = true;
                    sq += g[i] * g[i];
                }
            }
        }
        double[] p = theta.clone();
        double scale = rho / beta / (Math.sqrt(sq) + DELTA);
        for (int i = 0; i < p.length; i++) {
            if (m[i]) {
                p[i] += scale * g[i];
            }
        }
        int b = batch.numExamples();
        int k = (int) Math.ceil(gamma * b - 1e-9);
        DataSet chosen = batch;
        if (k < b) {
            // No BatchNorm or dropout: each sample's loss is the same in training and inference mode.
            double[] before = oracle.sampleLosses(theta, batch);
            double[] after = oracle.sampleLosses(p, batch);
            double[] d = new double[b];
            for (int i = 0; i < b; i++) {
                d[i] = after[i] - before[i];
            }
            Integer[] order = new Integer[b];
            for (int i = 0; i < b; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> d[x] != d[y] ? Double.compare(d[y], d[x]) : Integer.compare(x, y));
            int[] sel = new int[k];
            for (int i = 0; i < k; i++) {
                sel[i] = order[i];
            }
            Arrays.sort(sel);
            chosen = new DataSet(batch.getFeatures().getRows(sel), batch.getLabels().getRows(sel));
            subsetSteps++;
        }
        base.step(theta, oracle.gradient(p, chosen), t);
    }
}
