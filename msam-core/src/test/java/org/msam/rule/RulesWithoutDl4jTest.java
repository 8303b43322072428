package org.msam.rule;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.msam.config.LookSam;
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
                ParameterBoundUpdater.bindIfBound(u, List.of(v), it -> true);
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
            rule.toHeld();
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
}
