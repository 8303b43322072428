package org.msam.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.reference.Data;
import org.msam.reference.Golden;
import org.msam.reference.RefAdamW;
import org.msam.reference.RefMsam;
import org.msam.reference.RefOptimizer;
import org.msam.reference.RefSgd;
import org.msam.updater.MsamUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** MSAM (Algorithm 1) over several updater blocks, against the double-precision reference and PyTorch. */
class MsamTest {
    static final int N = 23;
    static final long[] BLOCKS = {0, 12, 15, 23};
    static final int STEPS = 60;

    /** A quadratic with noise: g = G_t + H ⊙ θ̃, evaluated at the weights held. */
    static final double[] H = Data.normal(5, N, 1.0);

    static double[] gradAt(double[] held, int t) {
        double[] g = Data.normal(2000 + t, N, 1.0);
        for (int i = 0; i < N; i++) {
            g[i] += Math.abs(H[i]) * held[i];
        }
        return g;
    }

    static final class Case {
        final String name;
        final Msam config;
        final java.util.function.IntFunction<RefOptimizer> base;
        final IntToDoubleFunction rho;
        final double l2;

        Case(String name, Msam config, java.util.function.IntFunction<RefOptimizer> base, IntToDoubleFunction rho,
             double l2) {
            this.name = name;
            this.config = config;
            this.base = base;
            this.rho = rho;
            this.l2 = l2;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        SgdMomentum sgd = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
        return Stream.of(
                new Case("msam_sgd", Msam.builder().base(sgd).rho(0.3).build(),
                        n -> new RefSgd(t -> 0.1, 0.9, 0, false, 0, n), t -> 0.3, 0),
                new Case("msam_sgd_l2", Msam.builder().base(sgd).rho(0.3).build(),
                        n -> new RefSgd(t -> 0.1, 0.9, 0, false, 0, n), t -> 0.3, 5e-3),
                new Case("msam_nesterov",
                        Msam.builder().base(sgd.toBuilder().nesterov(true).build()).rho(0.5).build(),
                        n -> new RefSgd(t -> 0.1, 0.9, 0, true, 0, n), t -> 0.5, 0),
                new Case("msam_lr_and_rho_schedule",
                        Msam.builder().base(sgd.toBuilder().learningRate(new ExponentialSchedule(ScheduleType.ITERATION,
                                0.1, 0.98)).build()).rhoSchedule(new ExponentialSchedule(ScheduleType.ITERATION, 1.0,
                                0.9)).build(),
                        n -> new RefSgd(t -> 0.1 * Math.pow(0.98, t), 0.9, 0, false, 0, n), t -> Math.pow(0.9, t), 0),
                new Case("msam_negative_rho", Msam.builder().base(sgd).rho(-0.3).build(),
                        n -> new RefSgd(t -> 0.1, 0.9, 0, false, 0, n), t -> -0.3, 0),
                new Case("msam_adamw",
                        Msam.builder().base(AdamW.builder().learningRate(1e-2).weightDecay(1e-2).build()).rho(0.05)
                                .build(),
                        n -> new RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 1e-2, null, n), t -> 0.05, 0));
    }

    static Stream<Arguments> casesAndTypes() {
        return cases().flatMap(c -> Stream.of(Arguments.of(c, DataType.DOUBLE), Arguments.of(c, DataType.FLOAT)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndTypes")
    void matchesReference(Case c, DataType type) {
        double[] theta0 = Data.normal(9, N, 0.5);
        MsamHarness h = new MsamHarness(c.config, theta0, BLOCKS, c.l2, type);
        RefMsam ref = new RefMsam(c.base.apply(N), c.rho, c.l2, theta0);
        double tol = type == DataType.DOUBLE ? 1e-11 : 2e-4;
        for (int t = 0; t < STEPS; t++) {
            double[] g = gradAt(ref.held(), t);
            if (type == DataType.FLOAT) {
                g = gradAt(h.held(), t);
                for (int i = 0; i < N; i++) {
                    g[i] = (float) g[i];
                }
            }
            h.step(g, t, 0);
            ref.step(g, t);
            if (type == DataType.FLOAT) {
                // Float runs feed the gradient at the float weights to both sides; the reference follows.
                continue;
            }
            assertTrue(Data.maxRelErr(h.held(), ref.held()) <= tol, c + " θ̃ at step " + t);
            assertTrue(Data.maxRelErr(h.theta(), ref.theta()) <= tol, c + " θ at step " + t);
            assertTrue(Data.maxRelErr(h.momentum(), ref.momentum()) <= tol, c + " v at step " + t);
            assertEquals(ref.c(), h.perturbation.scale(), tol * Math.max(1, Math.abs(ref.c())), c + " c at " + t);
        }
        if (type == DataType.FLOAT) {
            assertTrue(Data.maxRelErr(h.held(), ref.held()) <= tol, c + " float θ̃ after " + STEPS + " steps: "
                    + Data.maxRelErr(h.held(), ref.held()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rhoZeroIsTheBaseOptimizerExactly(Case c) {
        Msam zero = c.config.toBuilder().rho(0).rhoSchedule(null).build();
        double[] theta0 = Data.normal(9, N, 0.5);
        MsamHarness m = new MsamHarness(zero, theta0, BLOCKS, c.l2, DataType.FLOAT);
        UpdaterHarness b = new UpdaterHarness(zero.getBase(), theta0, c.l2, DataType.FLOAT);
        for (int t = 0; t < 30; t++) {
            double[] g = gradAt(b.params(), t);
            m.step(g, t, 0);
            b.step(g, t, 0);
            assertArrayEquals(b.params(), m.held(), 0.0, c + " step " + t);
        }
        assertTrue(!m.perturbation.isPerturbed() || m.perturbation.scale() == 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstStepIsAPlainStep(Case c) {
        double[] theta0 = Data.normal(9, N, 0.5);
        MsamHarness m = new MsamHarness(c.config, theta0, BLOCKS, c.l2, DataType.DOUBLE);
        UpdaterHarness b = new UpdaterHarness(c.config.getBase(), theta0, c.l2, DataType.DOUBLE);
        double[] g = gradAt(theta0, 0);
        m.step(g, 0, 0);
        b.step(g, 0, 0);
        m.perturbation.toTrue();
        assertArrayEquals(b.params(), m.held(), 1e-15, "θ after the first MSAM step");
        assertNotEquals(0.0, m.perturbation.scale());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void restoredStateContinuesIdentically(Case c) {
        MsamHarness a = new MsamHarness(c.config, Data.normal(9, N, 0.5), BLOCKS, c.l2, DataType.FLOAT);
        for (int t = 0; t < 15; t++) {
            a.step(gradAt(a.held(), t), t, 0);
        }
        // a model is saved at θ (the hosts hold θ between steps), with its optimizer state and nothing else
        a.perturbation.toTrue();
        MsamHarness b = a.restoredCopy(c.config);
        a.perturbation.toHeld(15, 0);
        b.perturbation.toHeld(15, 0);
        for (int t = 15; t < 30; t++) {
            a.step(gradAt(a.held(), t), t, 0);
            b.step(gradAt(b.held(), t), t, 0);
        }
        assertArrayEquals(a.held(), b.held(), 0.0);
        assertArrayEquals(a.momentum(), b.momentum(), 0.0);
    }

    /**
     * DL4J's {@code params -= update} lands on θ (the removal of the perturbation is folded into the update; the rule
     * then perturbs); the parameters are never touched by the updaters themselves.
     */
    @ParameterizedTest(name = "nesterov={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void theUpdateLandsOnTheta(boolean nesterov) {
        SgdMomentum sgd = SgdMomentum.builder().learningRate(0.1).momentum(0.9).nesterov(nesterov).build();
        Msam cfg = Msam.builder().base(sgd).rho(0.3).build();
        double[] theta0 = Data.normal(9, N, 0.5);
        MsamHarness h = new MsamHarness(cfg, theta0, BLOCKS, 5e-3, DataType.DOUBLE);
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, nesterov, 0, N), t -> 0.3, 5e-3, theta0);
        for (int t = 0; t < 20; t++) {
            double[] g = gradAt(ref.held(), t);
            ref.step(g, t);
            h.prepare(t);
            h.perturbation.beforeStepGradient(null, t, 0);
            double[] before = h.held();
            org.nd4j.linalg.api.ndarray.INDArray grad = Nd4j.createFromArray(g);
            grad.addi(h.params.mul(5e-3));
            for (int b = 0; b < h.updaters.size(); b++) {
                h.updaters.get(b).applyUpdater(grad.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(BLOCKS[b],
                        BLOCKS[b + 1])), t, 0);
            }
            assertArrayEquals(before, h.held(), 0.0, "the updaters moved the parameters at step " + t);
            h.params.subi(grad);
            assertTrue(Data.maxRelErr(h.held(), ref.theta()) <= 1e-12, "θ after params -= update at step " + t
                    + ": " + Data.maxRelErr(h.held(), ref.theta()));
            assertFalse(h.perturbation.isPerturbed(), "perturbed before afterStep at step " + t);
            h.perturbation.afterStep(null, t, 0);
            h.perturbation.toHeld(t + 1, 0);
            assertTrue(Data.maxRelErr(h.held(), ref.held()) <= 1e-12, "θ̃ at step " + t);
        }
    }

    @Test
    void zeroMomentumGivesAPlainStepWithoutDividingByZero() {
        Msam cfg = Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(3).build();
        MsamHarness h = new MsamHarness(cfg, Data.normal(9, N, 0.5), BLOCKS, 0, DataType.FLOAT);
        double[] before = h.held();
        for (int t = 0; t < 3; t++) {
            h.step(new double[N], t, 0);
        }
        assertArrayEquals(before, h.held(), 0.0);
        for (double x : h.held()) {
            assertTrue(Double.isFinite(x));
        }
    }

    @Test
    void refusesToRunWithoutItsDriver() {
        Msam cfg = Msam.builder().base(SgdMomentum.builder().build()).build();
        MsamUpdater u = (MsamUpdater) cfg.instantiate(Nd4j.zeros(DataType.FLOAT, 1, cfg.stateSize(4)), true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> u.applyUpdater(Nd4j.ones(DataType.FLOAT, 4), 0, 0));
        assertTrue(e.getMessage().contains("SharpnessAware.install(net)"), e.getMessage());
        Sam sam = Sam.builder().base(SgdMomentum.builder().build()).build();
        org.nd4j.linalg.learning.GradientUpdater<?> s = sam.instantiate(Nd4j.zeros(DataType.FLOAT, 1, sam.stateSize(4)),
                true);
        e = assertThrows(IllegalStateException.class, () -> s.applyUpdater(Nd4j.ones(DataType.FLOAT, 4), 0, 0));
        assertTrue(e.getMessage().startsWith("Sam updater (SAM's second forward/backward pass is run by the driver) ran "
                + "without its training driver"), e.getMessage());
    }

    @Test
    void adamwDecayRefusesToBeSkipped() {
        AdamW cfg = AdamW.builder().weightDecay(0.1).build();
        org.nd4j.linalg.learning.GradientUpdater<?> u = cfg.instantiate(Nd4j.zeros(DataType.FLOAT, 1,
                cfg.stateSize(4)), true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> u.applyUpdater(Nd4j.ones(DataType.FLOAT, 4), 0, 0));
        assertTrue(e.getMessage().contains("DecoupledWeightDecay.install(net)"), e.getMessage());
        AdamW noDecay = AdamW.builder().weightDecay(0).build();
        noDecay.instantiate(Nd4j.zeros(DataType.FLOAT, 1, noDecay.stateSize(4)), true)
                .applyUpdater(Nd4j.ones(DataType.FLOAT, 4), 0, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jsonRoundTripAndEquality(Case c) throws Exception {
        ObjectMapper om = new ObjectMapper();
        String json = om.writerFor(IUpdater.class).writeValueAsString(c.config);
        IUpdater back = om.readValue(json, IUpdater.class);
        assertEquals(c.config, back, json);
        assertEquals(c.config.hashCode(), back.hashCode());
        assertEquals(c.config, c.config.clone());
        assertNotEquals(c.config, c.config.toBuilder().rho(c.config.getRho() + 1).build());
        Sam sam = Sam.builder().base(c.config.getBase()).rho(0.1).adaptive(true).build();
        assertEquals(sam, om.readValue(om.writerFor(IUpdater.class).writeValueAsString(sam), IUpdater.class));
        assertNotEquals(sam, sam.toBuilder().adaptive(false).build());
        Msam bnOnly = c.config.toBuilder().normalizationOnly(true).build();
        assertNotEquals(c.config, bnOnly);
        assertEquals(bnOnly, om.readValue(om.writerFor(IUpdater.class).writeValueAsString(bnOnly), IUpdater.class));
        Sam samBnOnly = sam.toBuilder().normalizationOnly(true).build();
        assertNotEquals(sam, samBnOnly);
        assertEquals(samBnOnly, om.readValue(om.writerFor(IUpdater.class).writeValueAsString(samBnOnly),
                IUpdater.class));
        Msam adaptive = c.config.toBuilder().adaptive(true).adaptiveEta(0.05).build();
        assertNotEquals(c.config, adaptive);
        assertNotEquals(adaptive, adaptive.toBuilder().adaptiveEta(0.01).build());
        assertEquals(adaptive, om.readValue(om.writerFor(IUpdater.class).writeValueAsString(adaptive), IUpdater.class));
        assertEquals(c.config.stateSize(10), adaptive.stateSize(10), "adaptive MSAM derives e at each step");
        assertEquals("Invalid adaptiveEta value: -1.0 (must be finite and >= 0)", assertThrows(
                IllegalArgumentException.class, () -> c.config.toBuilder().adaptiveEta(-1).build()).getMessage());
        // Configurations written before normalizationOnly and adaptive existed read as false.
        String old = om.writerFor(IUpdater.class).writeValueAsString(c.config).replace(",\"normalizationOnly\":false", "")
                .replace(",\"adaptive\":false", "").replace(",\"adaptiveEta\":0.01", "");
        assertTrue(!old.contains("normalizationOnly") && !old.contains("adaptive"), old);
        assertEquals(c.config, om.readValue(old, IUpdater.class));
    }

    static Stream<Arguments> goldenCases() {
        return Stream.of("msam_sgd", "msam_sgd_wd", "msam_nesterov", "msam_sgd_rho_schedule", "msam_sgd_rho0",
                "msam_adamw").map(Arguments::of);
    }

    /** PyTorch (float64) trajectories of Algorithm 1 from make_golden.py, replayed through our updaters. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void replaysTorchTrajectory(String name) {
        JsonNode g = Golden.load("/golden/msam/" + name + ".json");
        JsonNode a = g.get("algorithm");
        JsonNode steps = g.get("steps");
        java.util.Map<Integer, Double> rho = new java.util.HashMap<>();
        java.util.Map<Integer, Double> lr = new java.util.HashMap<>();
        for (JsonNode s : steps) {
            rho.put(s.get("t").asInt(), s.get("rho").asDouble());
            lr.put(s.get("t").asInt(), s.get("lr").asDouble());
        }
        rho.put(steps.size(), a.get("rho").asDouble()); // ρ of the step after the last, which its c is for
        MapSchedule lrs = new MapSchedule(ScheduleType.ITERATION, lr);
        IUpdater base;
        double l2 = 0;
        if (a.get("base").asText().equals("SGD")) {
            base = SgdMomentum.builder().learningRate(lrs).momentum(a.get("momentum").asDouble())
                    .nesterov(a.get("nesterov").asBoolean()).build();
            l2 = a.get("weight_decay_coupled").asDouble();
        } else {
            base = AdamW.builder().learningRate(lrs).beta1(a.get("beta1").asDouble()).beta2(a.get("beta2").asDouble())
                    .epsilon(a.get("eps").asDouble()).weightDecay(a.get("weight_decay").asDouble()).build();
        }
        Msam cfg = Msam.builder().base(base).rhoSchedule(new MapSchedule(ScheduleType.ITERATION, rho)).build();
        double[] hess = Golden.flat(g.get("H"));
        MsamHarness h = new MsamHarness(cfg, Golden.flat(g.get("initial_theta_tilde")), BLOCKS, l2, DataType.DOUBLE);
        for (JsonNode s : steps) {
            int t = s.get("t").asInt();
            double[] grad = Golden.flat(s.get("grad_noise"));
            double[] held = h.held();
            for (int i = 0; i < grad.length; i++) {
                grad[i] += hess[i] * held[i];
            }
            h.step(grad, t, 0);
            assertTrue(Data.maxRelErr(h.held(), Golden.flat(s.get("theta_tilde"))) <= 1e-11, name + " θ̃ at " + t);
            assertTrue(Data.maxRelErr(h.theta(), Golden.flat(s.get("theta"))) <= 1e-11, name + " θ at " + t);
            String buf = s.has("momentum_buffer") ? "momentum_buffer" : "exp_avg";
            assertTrue(Data.maxRelErr(h.momentum(), Golden.flat(s.get(buf))) <= 1e-11, name + " v at " + t);
            double c = s.get("c").asDouble();
            assertEquals(c, h.perturbation.scale(), 1e-11 * Math.max(1, Math.abs(c)), name + " c at " + t);
        }
    }
}
