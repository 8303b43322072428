package org.msam.rule;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.msam.config.Esam;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefMsam;
import org.msam.reference.RefSgd;
import org.msam.updater.MomentumUpdater;
import org.msam.updater.ParameterBoundUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The rules run without DL4J's training loop, on a host written here: the loss ½θᵀAθ − bᵀθ + ¼Σθ⁴ of two variables
 * in two updater blocks, driven the way a network driver drives them, against plain double references.
 */
class RulesWithoutDl4jTest {
    static final int N = 7;
    static final int SPLIT = 3;
    static final double[][] A = new double[N][N];
    static final double[] B = Data.normal(3, N, 1.0);

    static {
        double[] r = Data.normal(4, N * N, 0.3);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                A[i][j] = r[i * N + j] + r[j * N + i] + (i == j ? 2 : 0);
            }
        }
    }

    static double[] lossGradient(double[] x) {
        double[] g = new double[N];
        for (int i = 0; i < N; i++) {
            double s = -B[i] + x[i] * x[i] * x[i];
            for (int j = 0; j < N; j++) {
                s += A[i][j] * x[j];
            }
            g[i] = s;
        }
        return g;
    }

    /** Two variables of one model, each its own block; the gradient is computed on demand at the weights held. */
    static final class QuadraticHost implements Host {
        final INDArray params = Nd4j.createFromArray(Data.normal(5, N, 0.5));
        final INDArray grad = Nd4j.zeros(DataType.DOUBLE, N);
        final List<Variable> variables = new ArrayList<>();
        final List<GradientUpdater<?>> updaters = new ArrayList<>();

        QuadraticHost(IUpdater config) {
            long[][] ranges = {{0, SPLIT}, {SPLIT, N}};
            for (long[] r : ranges) {
                long n = r[1] - r[0];
                GradientUpdater<?> u = config.clone().instantiate(Nd4j.zeros(DataType.DOUBLE, 1, config.stateSize(n)),
                        true);
                INDArray momentum = null;
                if (u instanceof MomentumUpdater) {
                    ((MomentumUpdater) u).resolve(n);
                    momentum = ((MomentumUpdater) u).momentum();
                }
                INDArray value = params.get(NDArrayIndex.interval(r[0], r[1]));
                Variable v = new Variable("v" + r[0], ParamKind.WEIGHT, value, momentum, u);
                ParameterBoundUpdater.bindIfBound(u, List.of(v));
                variables.add(v);
                updaters.add(u);
            }
            recomputeGradient();
        }

        @Override
        public List<Variable> variables() {
            return variables;
        }

        @Override
        public INDArray gradient(int i) {
            return i == 0 ? grad.get(NDArrayIndex.interval(0, SPLIT)) : grad.get(NDArrayIndex.interval(SPLIT, N));
        }

        @Override
        public double gradientScale() {
            return 1;
        }

        @Override
        public void recomputeGradient() {
            grad.assign(Nd4j.createFromArray(lossGradient(params.toDoubleVector())));
        }

        /** One step as a network driver runs it: the pass at the weights held, the phases, each block's update. */
        void step(SharpnessRule rule, int t) {
            for (GradientUpdater<?> u : updaters) {
                ParameterBoundUpdater.prepareIfBound(u, t);
            }
            recomputeGradient();
            if (rule.beforeStepGradient(this, t, 0)) {
                recomputeGradient();
            }
            for (int i = 0; i < variables.size(); i++) {
                rule.stepGradientReady(this, i);
            }
            for (int i = 0; i < variables.size(); i++) {
                INDArray g = gradient(i).dup();
                updaters.get(i).applyUpdater(g, t, 0);
                variables.get(i).value().subi(g);
            }
            rule.afterStep(this, t, 0);
            rule.toHeld(t + 1, 0);
        }
    }

    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.05).momentum(0.9).build();

    @Test
    void samMatchesItsReference() {
        Sam cfg = Sam.builder().base(SGD).rho(0.2).build();
        QuadraticHost host = new QuadraticHost(cfg);
        SharpnessRule rule = cfg.newRule(host.variables());
        double[] theta = host.params.toDoubleVector();
        RefSgd base = new RefSgd(t -> 0.05, 0.9, 0, false, 0, N);
        for (int t = 0; t < 60; t++) {
            double[] g = lossGradient(theta);
            double norm = Math.sqrt(java.util.Arrays.stream(g).map(x -> x * x).sum());
            double[] p = theta.clone();
            for (int i = 0; i < N; i++) {
                p[i] += 0.2 * g[i] / (norm + 1e-12);
            }
            base.step(theta, lossGradient(p), t);
            host.step(rule, t);
        }
        assertTrue(Data.maxRelErr(host.params.toDoubleVector(), theta) < 1e-12,
                "SAM: " + Data.maxRelErr(host.params.toDoubleVector(), theta));
    }

    @Test
    void msamMatchesItsReference() {
        Msam cfg = Msam.builder().base(SGD).rho(0.3).build();
        QuadraticHost host = new QuadraticHost(cfg);
        MsamRule rule = (MsamRule) cfg.newRule(host.variables());
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.05, 0.9, 0, false, 0, N), t -> 0.3, 0,
                host.params.toDoubleVector());
        for (int t = 0; t < 60; t++) {
            ref.step(lossGradient(ref.held()), t);
            host.step(rule, t);
        }
        assertTrue(Data.maxRelErr(host.params.toDoubleVector(), ref.held()) < 1e-12, "MSAM θ̃");
        assertTrue(Math.abs(rule.scale() - ref.c()) < 1e-12 * ref.c(), "MSAM c");
    }

    @Test
    void lookSamWithPeriodOneIsSamAndOtherwiseDiffers() {
        Sam sam = Sam.builder().base(SGD).rho(0.2).build();
        QuadraticHost a = new QuadraticHost(sam);
        SharpnessRule samRule = sam.newRule(a.variables());
        LookSam look = LookSam.builder().base(SGD).rho(0.2).period(1).build();
        QuadraticHost b = new QuadraticHost(look);
        SharpnessRule lookRule = look.newRule(b.variables());
        LookSam lookFive = LookSam.builder().base(SGD).rho(0.2).period(5).build();
        QuadraticHost c = new QuadraticHost(lookFive);
        SharpnessRule lookFiveRule = lookFive.newRule(c.variables());
        for (int t = 0; t < 60; t++) {
            a.step(samRule, t);
            b.step(lookRule, t);
            c.step(lookFiveRule, t);
        }
        assertTrue(Data.maxRelErr(b.params.toDoubleVector(), a.params.toDoubleVector()) == 0, "k = 1 is SAM");
        assertTrue(Data.maxRelErr(c.params.toDoubleVector(), a.params.toDoubleVector()) > 1e-6, "k = 5 is not");
    }

    @Test
    void esamWeightMasksMatchTheirReference() {
        Esam cfg = Esam.builder().base(SGD).rho(0.2).weightFraction(0.5).sampleFraction(1).seed(4).build();
        QuadraticHost host = new QuadraticHost(cfg);
        SharpnessRule rule = cfg.newRule(host.variables());
        double[] theta = host.params.toDoubleVector();
        RefSgd base = new RefSgd(t -> 0.05, 0.9, 0, false, 0, N);
        int[][] ranges = {{0, SPLIT}, {SPLIT, N}};
        int partial = 0;
        for (int t = 0; t < 60; t++) {
            double[] g = lossGradient(theta);
            boolean[] kept = {EsamRule.keeps(4, t, 0, 0.5), EsamRule.keeps(4, t, 1, 0.5)};
            partial += kept[0] != kept[1] ? 1 : 0;
            double sq = 0;
            for (int j = 0; j < 2; j++) {
                for (int i = ranges[j][0]; kept[j] && i < ranges[j][1]; i++) {
                    sq += g[i] * g[i];
                }
            }
            double[] p = theta.clone();
            for (int j = 0; j < 2; j++) {
                for (int i = ranges[j][0]; kept[j] && i < ranges[j][1]; i++) {
                    p[i] += 0.2 / 0.5 * g[i] / (Math.sqrt(sq) + 1e-12);
                }
            }
            base.step(theta, lossGradient(p), t);
            host.step(rule, t);
        }
        assertTrue(partial > 10, "masks that keep one variable of two: " + partial);
        assertTrue(Data.maxRelErr(host.params.toDoubleVector(), theta) < 1e-12,
                "ESAM: " + Data.maxRelErr(host.params.toDoubleVector(), theta));
    }

    @Test
    void mesaKeepsTheEmaAndStepsAsItsBase() {
        Mesa cfg = Mesa.builder().base(SGD).emaDecay(0.7).startEpoch(0).build();
        QuadraticHost host = new QuadraticHost(cfg);
        MesaRule rule = (MesaRule) cfg.newRule(host.variables());
        double[] theta = host.params.toDoubleVector();
        double[] ema = theta.clone();
        RefSgd base = new RefSgd(t -> 0.05, 0.9, 0, false, 0, N);
        for (int t = 0; t < 60; t++) {
            base.step(theta, lossGradient(theta), t);
            for (int i = 0; i < N; i++) {
                ema[i] = 0.7 * ema[i] + 0.3 * theta[i];
            }
            host.step(rule, t);
        }
        double[] got = new double[N];
        System.arraycopy(rule.teacher(0).toDoubleVector(), 0, got, 0, SPLIT);
        System.arraycopy(rule.teacher(1).toDoubleVector(), 0, got, SPLIT, N - SPLIT);
        assertTrue(Data.maxRelErr(host.params.toDoubleVector(), theta) < 1e-12, "θ: the host adds no logit term");
        assertTrue(Data.maxRelErr(got, ema) < 1e-12, "θ_ema: " + Data.maxRelErr(got, ema));
    }

    /** The distillation term is the gradient of λ·τ²·KL(softmax(z_ema/τ) ‖ softmax(z/τ)), by central differences. */
    @Test
    void mesaDistillationTermIsTheKlGradient() {
        double lambda = 0.7;
        double tau = 3;
        double[][] z = {{0.3, -1.2, 2.0, 0.1}, {1.5, 0.2, -0.4, -2.0}};
        double[][] zEma = {{1.0, 0.5, -0.3, 0.2}, {-0.1, 0.9, 0.4, 0.0}};
        INDArray dz = Nd4j.zeros(DataType.DOUBLE, 2, 4);
        MesaRule.addDistillationGradient(dz, Nd4j.createFromArray(z), Nd4j.createFromArray(zEma),
                Nd4j.createFromArray(new double[][] {{1}, {0}}), lambda, tau);
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 4; k++) {
                double h = 1e-6;
                double[] up = z[i].clone();
                double[] down = z[i].clone();
                up[k] += h;
                down[k] -= h;
                double fd = lambda * tau * tau * (kl(zEma[i], up, tau) - kl(zEma[i], down, tau)) / (2 * h);
                double expected = i == 0 ? fd : 0;
                assertTrue(Math.abs(dz.getDouble(i, k) - expected) < 1e-8, i + "," + k + ": " + dz.getDouble(i, k)
                        + " vs " + expected);
            }
        }
    }

    private static double[] softmax(double[] z, double tau) {
        double max = java.util.Arrays.stream(z).max().getAsDouble();
        double[] e = java.util.Arrays.stream(z).map(x -> Math.exp((x - max) / tau)).toArray();
        double s = java.util.Arrays.stream(e).sum();
        return java.util.Arrays.stream(e).map(x -> x / s).toArray();
    }

    private static double kl(double[] teacher, double[] student, double tau) {
        double[] p = softmax(teacher, tau);
        double[] q = softmax(student, tau);
        double s = 0;
        for (int k = 0; k < p.length; k++) {
            s += p[k] * Math.log(p[k] / q[k]);
        }
        return s;
    }
}
