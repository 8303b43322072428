package org.msam.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.FreePerturbation;
import org.msam.config.FreePerturbation.Direction;
import org.msam.reference.Data;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The gradient-free perturbations of paper Appendix A.6 on the host of {@link RulesWithoutDl4jTest}, against a
 * double-precision reference written from docs/ALGORITHMS.md ("Other gradient-free perturbations"), for every
 * direction in both forms, over 60 steps.
 */
class FreePerturbationRuleTest {
    static final int N = RulesWithoutDl4jTest.N;
    static final double DELTA = 1e-12;

    static Stream<Arguments> forms() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Direction d : Direction.values()) {
            b.add(Arguments.of(d, false));
            b.add(Arguments.of(d, true));
        }
        return b.build();
    }

    static FreePerturbation config(Direction d, boolean relative, double rho) {
        return FreePerturbation.builder().base(RulesWithoutDl4jTest.SGD).direction(d).relative(relative).rho(rho)
                .seed(11).build();
    }

    /** ξ of the step of {@code iteration}, drawn as the rule documents it: per variable, in the model's order. */
    static double[] xi(long seed, int iteration) {
        Random r = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        r.setSeed(FreePerturbationRule.seedOf(seed, iteration));
        double[] out = new double[N];
        int[][] ranges = {{0, RulesWithoutDl4jTest.SPLIT}, {RulesWithoutDl4jTest.SPLIT, N}};
        for (int[] range : ranges) {
            INDArray z = Nd4j.createUninitialized(DataType.DOUBLE, range[1] - range[0]);
            Nd4j.getExecutioner().exec(new GaussianDistribution(z, 0.0, 1.0), r);
            double[] v = z.toDoubleVector();
            System.arraycopy(v, 0, out, range[0], v.length);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void matchesTheReference(Direction d, boolean relative) {
        matchesTheReference(config(d, relative, 0.4), t -> 0.4);
    }

    /** With a ρ schedule, each step's perturbation takes the step's own ρ (as MSAM's). */
    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void eachStepTakesItsOwnRho(Direction d, boolean relative) {
        IntToDoubleFunction rho = t -> t % 4 == 1 ? 0 : 0.1 * (1 + t % 4);
        java.util.Map<Integer, Double> values = new java.util.HashMap<>();
        for (int t = 0; t <= 60; t++) {
            values.put(t, rho.applyAsDouble(t));
        }
        FreePerturbation cfg = config(d, relative, 0.4).toBuilder()
                .rhoSchedule(new MapSchedule(ScheduleType.ITERATION, values)).build();
        matchesTheReference(cfg, rho);
    }

    private static void matchesTheReference(FreePerturbation cfg, IntToDoubleFunction rho) {
        Direction d = cfg.getDirection();
        boolean relative = cfg.isRelative();
        RulesWithoutDl4jTest.QuadraticHost host = new RulesWithoutDl4jTest.QuadraticHost(cfg);
        SharpnessRule rule = cfg.newRule(host.variables());
        double[] theta = host.params.toDoubleVector();
        double[] e = new double[N];
        RefSgd base = new RefSgd(t -> 0.05, 0.9, 0, false, 0, N);
        int perturbed = 0;
        for (int t = 0; t < 60; t++) {
            double[] held = new double[N];
            for (int i = 0; i < N; i++) {
                held[i] = theta[i] + e[i];
            }
            double[] g = RulesWithoutDl4jTest.lossGradient(held);
            base.step(theta, g, t);
            double[] x = d == Direction.RANDOM ? xi(11, t + 1) : g.clone();
            double sq = 0;
            for (int i = 0; i < N; i++) {
                if (d == Direction.NEGATIVE_LAST_GRADIENT) {
                    x[i] = -x[i];
                }
                if (relative) {
                    x[i] *= Math.abs(theta[i]);
                }
                sq += x[i] * x[i];
            }
            double norm = Math.sqrt(sq);
            for (int i = 0; i < N; i++) {
                e[i] = -rho.applyAsDouble(t + 1) * x[i] / (norm + DELTA);
            }
            host.step(rule, t);
            perturbed += rule.isPerturbed() ? 1 : 0;
            rule.toTrue();
            assertTrue(Data.maxRelErr(host.params.toDoubleVector(), theta) < 1e-12, "θ after step " + t + ": "
                    + Data.maxRelErr(host.params.toDoubleVector(), theta));
            rule.toHeld(t + 1, 0);
        }
        int zeroRho = 0;
        for (int t = 1; t <= 60; t++) {
            zeroRho += rho.applyAsDouble(t) == 0 ? 1 : 0;
        }
        assertEquals(60 - zeroRho, perturbed, "the host holds θ̃ between steps in this harness, when ρ ≠ 0");
        double[] expected = new double[N];
        for (int i = 0; i < N; i++) {
            expected[i] = theta[i] + e[i];
        }
        assertTrue(Data.maxRelErr(host.params.toDoubleVector(), expected) < 1e-12, "θ̃");
        assertTrue(Data.maxRelErr(expected, theta) > 1e-3, "the perturbation is not zero");
    }

    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void rhoZeroIsTheBaseOptimizerExactly(Direction d, boolean relative) {
        FreePerturbation cfg = config(d, relative, 0);
        RulesWithoutDl4jTest.QuadraticHost host = new RulesWithoutDl4jTest.QuadraticHost(cfg);
        SharpnessRule rule = cfg.newRule(host.variables());
        RulesWithoutDl4jTest.QuadraticHost plain = new RulesWithoutDl4jTest.QuadraticHost(RulesWithoutDl4jTest.SGD);
        double[] theta = plain.params.toDoubleVector();
        RefSgd base = new RefSgd(t -> 0.05, 0.9, 0, false, 0, N);
        for (int t = 0; t < 40; t++) {
            base.step(theta, RulesWithoutDl4jTest.lossGradient(theta), t);
            host.step(rule, t);
        }
        assertEquals(0, Data.maxRelErr(host.params.toDoubleVector(), theta) > 1e-13 ? 1 : 0,
                "ρ = 0: " + Data.maxRelErr(host.params.toDoubleVector(), theta));
    }

    @Test
    void theFirstStepIsAPlainStep() {
        for (Direction d : Direction.values()) {
            FreePerturbation cfg = config(d, false, 0.4);
            RulesWithoutDl4jTest.QuadraticHost host = new RulesWithoutDl4jTest.QuadraticHost(cfg);
            SharpnessRule rule = cfg.newRule(host.variables());
            double[] theta = host.params.toDoubleVector();
            new RefSgd(t -> 0.05, 0.9, 0, false, 0, N).step(theta, RulesWithoutDl4jTest.lossGradient(theta), 0);
            host.step(rule, 0);
            rule.toTrue();
            assertTrue(Data.maxRelErr(host.params.toDoubleVector(), theta) < 1e-15, d.toString());
        }
    }

    @Test
    void theRandomDirectionIsReproducibleAndFreshAtEveryStep() {
        double[] a = xi(11, 5);
        assertEquals(0, Data.maxRelErr(a, xi(11, 5)), "same seed and step");
        assertTrue(Data.maxRelErr(a, xi(11, 6)) > 0.1, "another step");
        assertTrue(Data.maxRelErr(a, xi(12, 5)) > 0.1, "another seed");
    }

    @Test
    void layersMustShareThePerturbation() {
        FreePerturbation a = config(Direction.RANDOM, false, 0.4);
        FreePerturbation b = a.toBuilder().seed(3).build();
        assertEquals("seed 11 and 3", a.perturbationDifference(b));
        assertEquals(null, a.perturbationDifference(a.toBuilder().base(
                RulesWithoutDl4jTest.SGD.toBuilder().learningRate(0.1).build()).build()));
    }
}
