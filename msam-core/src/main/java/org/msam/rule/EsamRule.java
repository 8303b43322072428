package org.msam.rule;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.msam.config.Esam;
import org.msam.updater.SamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ESAM (Du et al. 2022b) over every trainable variable: docs/ALGORITHMS.md, section "ESAM", and {@link Esam}. With
 * g the host's gradient at θ (s·g the mean mini-batch gradient) and m_j the mask of variable j for iteration t:
 * <pre>
 *   e_j = m_j·(ρ/β)·g_j/(‖m⊙g‖ + δ/s)                    θ + e held for the second pass
 *   γ &lt; 1:  d_i = ℓ_i(θ + e) − ℓ_i(θ);  B⁺ = the ⌈γ·|B|⌉ samples of largest d_i (ties: the earlier sample)
 *   step gradient: ∇L_B⁺(θ + e), mean over B⁺ ({@link #stepSamples()});  θ restored before the base step
 * </pre>
 * {@link #keeps} draws m_j; when it keeps no variable (or ρ = 0), e = 0, no forward-only pass runs and B⁺ is the
 * first ⌈γ·|B|⌉ samples. ⌈γ·|B|⌉ is taken with a tolerance of 1e-9 for the rounding of γ·|B| (γ = 0.3, |B| = 10
 * selects 3), and at least one sample. When it selects every sample, or γ = 1, no forward-only pass runs and the
 * second pass is the full mini-batch's: with β = γ = 1 this is {@link SamRule} exactly.
 */
public final class EsamRule implements SharpnessRule {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final Esam config;
    private final List<Variable> variables;
    private final Ascent ascent;
    private int[] samples;

    /**
     * @param config    the configuration of the first variable
     * @param variables every trainable variable of the model
     * @throws IllegalStateException when a variable does not use an Esam updater or the settings differ
     */
    public EsamRule(Esam config, List<Variable> variables) {
        this.config = config;
        this.variables = List.copyOf(variables);
        if (variables.isEmpty()) {
            throw new IllegalStateException("ESAM found no trainable parameter in the model");
        }
        for (Variable v : variables) {
            if (!(v.updater() instanceof SamUpdater && v.updater().getConfig() instanceof Esam)) {
                throw new IllegalStateException("ESAM needs every trainable parameter to use an Esam updater (its "
                        + "norm is global), but " + v.name() + " uses " + v.updater().getConfig()
                        + ". Set the Esam updater on the network builder, or on every layer with the same settings.");
            }
            Esam other = (Esam) v.updater().getConfig();
            if (!other.sameRule(config)) {
                throw new IllegalStateException("All Esam updaters of a model must share rho, weightFraction, "
                        + "sampleFraction and seed: found " + config + " and " + other);
            }
        }
        this.ascent = new Ascent(this.variables);
    }

    /**
     * Whether variable {@code variable} is perturbed at iteration {@code iteration}: u &lt; β with u uniform in [0,
     * 1), u = (h &gt;&gt;&gt; 11)·2⁻⁵³, h = mix(mix(seed + φ·(iteration + 1)) + φ·(variable + 1)), where mix is
     * SplitMix64's finaliser and φ = 0x9E3779B97F4A7C15. A pure function, so a resumed run draws the same masks.
     *
     * @param seed      the configuration's seed
     * @param iteration the iteration
     * @param variable  the variable's index in the host's order
     * @param beta      the weight fraction β
     * @return true when the variable is perturbed; always for β = 1
     */
    public static boolean keeps(long seed, long iteration, int variable, double beta) {
        if (beta >= 1) {
            return true;
        }
        long h = mix(mix(seed + GOLDEN * (iteration + 1)) + GOLDEN * (variable + 1L));
        return (h >>> 11) * 0x1.0p-53 < beta;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @param gamma the sample fraction γ
     * @param batch the mini-batch size |B|
     * @return ⌈γ·|B|⌉ within 1e-9, between 1 and |B|
     */
    public static int selected(double gamma, int batch) {
        return Math.max(1, Math.min(batch, (int) Math.ceil(gamma * batch - 1e-9)));
    }

    /**
     * @param before ℓ_i(θ)
     * @param after  ℓ_i(θ + e)
     * @param k      the number of samples to select
     * @return the k samples of largest ℓ_i(θ + e) − ℓ_i(θ) (ties: the earlier sample), in ascending order
     */
    public static int[] select(double[] before, double[] after, int k) {
        int n = before.length;
        Integer[] order = new Integer[n];
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            d[i] = after[i] - before[i];
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(d[b], d[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] r = new int[k];
        for (int i = 0; i < k; i++) {
            r[i] = order[i];
        }
        Arrays.sort(r);
        return r;
    }

    @Override
    public String name() {
        return "ESAM";
    }

    @Override
    public Set<Need> needs() {
        return config.needs();
    }

    @Override
    public int[] stepSamples() {
        return samples;
    }

    @Override
    public boolean beforeStepGradient(Host host, int iteration, int epoch) {
        toTrue();
        samples = null;
        double beta = config.getWeightFraction();
        INDArray[] g = new INDArray[variables.size()];
        double sq = 0;
        for (int i = 0; i < g.length; i++) {
            if (keeps(config.getSeed(), iteration, i, beta)) {
                g[i] = host.gradient(i);
                if (g[i] != null) {
                    sq += Norms.squaredNorm(g[i]);
                }
            }
        }
        double s = host.gradientScale();
        RuleChecks.requireFiniteGradientNorm(name(), Math.sqrt(sq) * s, iteration, epoch);
        double[] before = null;
        int k = 0;
        if (config.getSampleFraction() < 1) {
            before = host.passSampleLosses();
            if (before == null) {
                before = host.sampleLosses();
            }
            k = selected(config.getSampleFraction(), before.length);
            if (k >= before.length) {
                before = null;
            }
        }
        if (config.getRho() > 0) {
            double scale = config.getRho() / beta / (Math.sqrt(sq) + MsamRule.DELTA / s);
            for (int i = 0; i < g.length; i++) {
                if (g[i] != null) {
                    ascent.move(i, g[i], scale);
                }
            }
        }
        if (before == null) {
            return ascent.isAscended();
        }
        try {
            // With no variable perturbed, e = 0 and ℓ_i(θ + e) = ℓ_i(θ): every sample ties.
            samples = select(before, ascent.isAscended() ? host.sampleLosses() : before, k);
        } catch (RuntimeException e) {
            toTrue();
            throw e;
        }
        return true;
    }

    @Override
    public void stepGradientReady(Host host, int i) {
        ascent.restore(i);
    }

    @Override
    public void afterStep(Host host, int iteration, int epoch) {
        toTrue();
        samples = null;
    }

    @Override
    public void toTrue() {
        ascent.restoreAll();
    }

    @Override
    public void toHeld(int iteration, int epoch) {
        // ESAM keeps θ between steps.
    }

    @Override
    public boolean isPerturbed() {
        return ascent.isAscended();
    }
}
