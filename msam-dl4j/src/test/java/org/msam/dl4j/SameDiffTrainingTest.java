package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefAdamW;
import org.msam.reference.RefMsam;
import org.msam.reference.RefOptimizer;
import org.msam.reference.RefSgd;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * SAM and MSAM on a model written directly in SameDiff, trained with {@code sd.fit(iterator, epochs)}, against the
 * double-precision references of docs/ALGORITHMS.md fed with the exact mean-loss gradients of the same graph.
 */
class SameDiffTrainingTest {
    static final int EPOCHS = 3;
    static final double L2 = 1e-3;
    static final double TOL = 1e-9;
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final AdamW ADAMW = AdamW.builder().learningRate(1e-2).weightDecay(0.05).build();

    static List<DataSet> batches(long seed) {
        return Nets.batches(4, 8, seed, DataType.DOUBLE);
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        double e = Data.maxRelErr(actual, expected);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
    }

    static Throwable rootWithMessage(Throwable t, String part) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(part)) {
                return c;
            }
        }
        throw new AssertionError("no cause of " + t + " mentions \"" + part + "\"", t);
    }

    /** SAM of docs/ALGORITHMS.md over a reference base optimizer, gradients from the oracle. */
    static void refSamStep(RefOptimizer base, double[] theta, double rho, boolean adaptive, SdMlp.Oracle oracle,
                           DataSet b, int it) {
        double[] g1 = oracle.gradient(theta, b);
        double[] t = new double[theta.length];
        double sq = 0;
        for (int i = 0; i < theta.length; i++) {
            t[i] = adaptive ? Math.abs(theta[i]) + Sam.DEFAULT_ADAPTIVE_ETA : 1;
            sq += t[i] * g1[i] * t[i] * g1[i];
        }
        double scale = rho / (Math.sqrt(sq) + 1e-12);
        double[] p = theta.clone();
        for (int i = 0; i < theta.length; i++) {
            p[i] += scale * t[i] * t[i] * g1[i];
        }
        base.step(theta, oracle.gradient(p, b), it);
    }

    @Test
    void updaterReceivesTheMeanLossGradient() {
        SdMlp.Oracle oracle = new SdMlp.Oracle();
        DataSet b = batches(1).get(0);
        double[] theta0 = SdMlp.initial(1);
        double[] mean = oracle.gradient(theta0, b);
        double[] avg = new double[SdMlp.N];
        for (int i = 0; i < b.numExamples(); i++) {
            double[] gi = oracle.gradient(theta0, b.get(i));
            for (int j = 0; j < avg.length; j++) {
                avg[j] += gi[j] / b.numExamples();
            }
        }
        assertClose(avg, mean, 1e-12, "the batch gradient is the mean of the per-example gradients");
        SameDiff sd = SdMlp.build(theta0, new Sgd(0.5), 0);
        sd.fit(Nets.iterator(List.of(b)), 1);
        double[] theta = SdMlp.params(sd);
        double[] step = new double[SdMlp.N];
        for (int j = 0; j < step.length; j++) {
            step[j] = (theta0[j] - theta[j]) / 0.5;
        }
        assertClose(mean, step, 1e-12, "what fit's updater receives");
    }

    @Test
    void msamOverSgdMomentumMatchesTheReferenceAndHoldsThetaBetweenIterations() {
        double[] theta0 = SdMlp.initial(2);
        SameDiff sd = SdMlp.build(theta0, Msam.builder().base(SGD).rho(0.5).build(), L2);
        SameDiffSharpnessAwareListener l = SharpnessAware.install(sd);
        assertSame(l, SharpnessAware.install(sd), "idempotent");
        SdMlp.Recorder rec = new SdMlp.Recorder(sd);
        sd.addListeners(rec);
        List<DataSet> batches = batches(2);
        // A gradient computed outside fit (it runs the listeners too) must not disturb training.
        sd.calculateGradients(SdMlp.placeholders(batches.get(0)), SdMlp.VARS);

        SdMlp.Oracle oracle = new SdMlp.Oracle();
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, SdMlp.N), t -> 0.5, L2, theta0);
        List<double[]> held = new ArrayList<>();
        List<double[]> theta = new ArrayList<>();
        int t = 0;
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                held.add(ref.held().clone());
                ref.step(oracle.gradient(ref.held(), b), t++);
                theta.add(ref.theta().clone());
            }
        }
        sd.fit(Nets.iterator(batches), EPOCHS);

        assertEquals(t, rec.done.size());
        for (int i = 0; i < t; i++) {
            assertClose(held.get(i), rec.started.get(i), TOL, "θ̃ in the forward pass of iteration " + i);
            assertClose(theta.get(i), rec.done.get(i), TOL, "θ at iterationDone " + i);
        }
        assertTrue(Data.maxRelErr(rec.started.get(t - 1), rec.done.get(t - 2)) > 1e-6,
                "the forward pass runs at perturbed weights");
        for (int e = 0; e < EPOCHS; e++) {
            assertClose(theta.get((e + 1) * batches.size() - 1), rec.epochEnds.get(e), TOL, "θ at epochEnd " + e);
        }
        assertFalse(SharpnessAware.isPerturbed(sd), "after fit the variables hold θ");
        assertClose(ref.theta(), SdMlp.params(sd), TOL, "θ after fit");
        assertEquals(ref.stepC(), ((org.msam.rule.MsamRule) l.rule()).scale(), TOL * ref.stepC(), "c");
        try (PerturbationScope s = SharpnessAware.unperturbed(sd)) {
            assertFalse(SharpnessAware.isPerturbed(sd), "in scope " + s);
            assertClose(ref.theta(), SdMlp.params(sd), TOL, "θ in an unperturbed scope");
        }
        assertClose(ref.theta(), SdMlp.params(sd), TOL, "θ after the scope");
    }

    @Test
    void msamOverAdamWWithDecoupledDecayMatchesTheReference() {
        double[] theta0 = SdMlp.initial(3);
        SameDiff sd = SdMlp.build(theta0, Msam.builder().base(ADAMW).rho(0.2).build(), 0);
        SharpnessAware.install(sd);
        List<DataSet> batches = batches(3);
        SdMlp.Oracle oracle = new SdMlp.Oracle();
        RefMsam ref = new RefMsam(new RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.05, null, SdMlp.N), t -> 0.2, 0,
                theta0);
        int t = 0;
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                ref.step(oracle.gradient(ref.held(), b), t++);
            }
        }
        sd.fit(Nets.iterator(batches), EPOCHS);
        assertClose(ref.theta(), SdMlp.params(sd), TOL * 10, "θ after fit");
    }

    @Test
    void samAndAdaptiveSamMatchTheReference() {
        for (boolean adaptive : new boolean[] {false, true}) {
            double[] theta0 = SdMlp.initial(4);
            SameDiff sd = SdMlp.build(theta0, Sam.builder().base(SGD).rho(0.1).adaptive(adaptive).build(), L2);
            assertInstanceOf(org.msam.rule.SamRule.class, SharpnessAware.install(sd).rule());
            SdMlp.Recorder rec = new SdMlp.Recorder(sd);
            sd.addListeners(rec);
            List<DataSet> batches = batches(4);
            SdMlp.Oracle oracle = new SdMlp.Oracle();
            RefSgd base = new RefSgd(t -> 0.1, 0.9, 0, false, L2, SdMlp.N);
            double[] theta = theta0.clone();
            List<double[]> trajectory = new ArrayList<>();
            int t = 0;
            for (int e = 0; e < EPOCHS; e++) {
                for (DataSet b : batches) {
                    refSamStep(base, theta, 0.1, adaptive, oracle, b, t++);
                    trajectory.add(theta.clone());
                }
            }
            sd.fit(Nets.iterator(batches), EPOCHS);
            for (int i = 0; i < t; i++) {
                assertClose(trajectory.get(i), rec.done.get(i), TOL, "SAM adaptive=" + adaptive + " θ at " + i);
            }
            assertFalse(SharpnessAware.isPerturbed(sd));
            assertClose(theta, SdMlp.params(sd), TOL, "SAM adaptive=" + adaptive);
        }
    }

    @Test
    void samOverAdamWWithDecoupledDecayMatchesTheReference() {
        double[] theta0 = SdMlp.initial(5);
        SameDiff sd = SdMlp.build(theta0, Sam.builder().base(ADAMW).rho(0.05).build(), 0);
        SharpnessAware.install(sd);
        List<DataSet> batches = batches(5);
        SdMlp.Oracle oracle = new SdMlp.Oracle();
        RefAdamW base = new RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.05, null, SdMlp.N);
        double[] theta = theta0.clone();
        int t = 0;
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                refSamStep(base, theta, 0.05, false, oracle, b, t++);
            }
        }
        sd.fit(Nets.iterator(batches), EPOCHS);
        assertClose(theta, SdMlp.params(sd), TOL * 10, "θ after fit");
    }

    @Test
    void plainAdamWDecaysOnlyWeightsWithWeightsOnlyScope() {
        double[] theta0 = SdMlp.initial(6);
        AdamW cfg = ADAMW.toBuilder().decayScope(DecayScope.WEIGHTS_ONLY).build();
        SameDiff sd = SdMlp.build(theta0, cfg, 0);
        SameDiffDecoupledWeightDecay d = DecoupledWeightDecay.install(sd);
        assertSame(d, DecoupledWeightDecay.install(sd), "idempotent");
        boolean[] decayed = new boolean[SdMlp.N];
        java.util.Arrays.fill(decayed, 0, SdMlp.IN * SdMlp.HIDDEN, true);
        int w1 = SdMlp.IN * SdMlp.HIDDEN + SdMlp.HIDDEN;
        java.util.Arrays.fill(decayed, w1, w1 + SdMlp.HIDDEN * SdMlp.OUT, true);
        RefAdamW ref = new RefAdamW(t -> 1e-2, 0.9, 0.999, 1e-8, 0.05, decayed, SdMlp.N);
        List<DataSet> batches = batches(6);
        SdMlp.Oracle oracle = new SdMlp.Oracle();
        double[] theta = theta0.clone();
        int t = 0;
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                ref.step(theta, oracle.gradient(theta, b), t++);
            }
        }
        sd.fit(Nets.iterator(batches), EPOCHS);
        assertClose(theta, SdMlp.params(sd), TOL * 10, "θ after fit");
    }

    static double[] fit(IUpdater updater, boolean install, double l2) {
        SameDiff sd = SdMlp.build(SdMlp.initial(7), updater, l2);
        if (install) {
            SharpnessAware.install(sd);
        } else {
            DecoupledWeightDecay.install(sd);
        }
        sd.fit(Nets.iterator(batches(7)), EPOCHS);
        return SdMlp.params(sd);
    }

    @Test
    void rhoZeroEqualsTheBaseOptimizerExactly() {
        double[] sgd = fit(SGD, false, L2);
        assertArrayEquals(sgd, fit(Msam.builder().base(SGD).rho(0).build(), true, L2), 0.0, "MSAM ρ = 0");
        assertArrayEquals(sgd, fit(Sam.builder().base(SGD).rho(0).build(), true, L2), 0.0, "SAM ρ = 0");
        double[] adamw = fit(ADAMW, false, 0);
        assertArrayEquals(adamw, fit(Msam.builder().base(ADAMW).rho(0).build(), true, 0), 0.0, "MSAM/AdamW ρ = 0");
        assertArrayEquals(adamw, fit(Sam.builder().base(ADAMW).rho(0).build(), true, 0), 0.0, "SAM/AdamW ρ = 0");
    }

    /** Trains 2 + 2 epochs with a save/load in between, and 4 epochs in one go. */
    static void resumesExactly(IUpdater updater, double l2, File file) throws Exception {
        List<DataSet> batches = batches(8);
        SameDiff whole = SdMlp.build(SdMlp.initial(8), updater, l2);
        SharpnessAware.install(whole);
        whole.fit(Nets.iterator(batches), 4);

        SameDiff first = SdMlp.build(SdMlp.initial(8), updater, l2);
        SharpnessAware.install(first);
        first.fit(Nets.iterator(batches), 2);
        double[] saved = SdMlp.params(first);
        first.save(file, true);

        SameDiff loaded = SameDiff.load(file, true);
        assertArrayEquals(saved, SdMlp.params(loaded), 0.0, "the saved model holds θ");
        assertEquals(2 * batches.size(), loaded.getTrainingConfig().getIterationCount());
        assertThrows(IllegalStateException.class, () -> loaded.fit(Nets.iterator(batches), 1),
                "a loaded model needs the listener again");
        SdMlp.setParams(loaded, saved);
        SharpnessAware.install(loaded);
        loaded.fit(Nets.iterator(batches), 2);
        assertArrayEquals(SdMlp.params(whole), SdMlp.params(loaded), 0.0, updater + ": resumed == uninterrupted");
    }

    @Test
    void msamResumesExactlyAfterSaveAndLoad(@TempDir Path dir) throws Exception {
        resumesExactly(Msam.builder().base(SGD).rho(0.5).build(), L2, dir.resolve("msam-sgd.sd").toFile());
        resumesExactly(Msam.builder().base(ADAMW).rho(0.2).build(), 0, dir.resolve("msam-adamw.sd").toFile());
    }

    @Test
    void samResumesExactlyAfterSaveAndLoad(@TempDir Path dir) throws Exception {
        resumesExactly(Sam.builder().base(ADAMW).rho(0.05).build(), 0, dir.resolve("sam-adamw.sd").toFile());
    }

    @Test
    void trainingWithoutTheListenerThrowsTheInstallMessage() {
        for (IUpdater u : new IUpdater[] {Msam.builder().base(SGD).rho(0.5).build(),
                Sam.builder().base(SGD).rho(0.1).build()}) {
            SameDiff sd = SdMlp.build(SdMlp.initial(9), u, 0);
            Exception e = assertThrows(Exception.class, () -> sd.fit(Nets.iterator(batches(9)), 1));
            rootWithMessage(e, "SharpnessAware.install");
        }
        SameDiff sd = SdMlp.build(SdMlp.initial(9), ADAMW, 0);
        Exception e = assertThrows(Exception.class, () -> sd.fit(Nets.iterator(batches(9)), 1));
        rootWithMessage(e, "DecoupledWeightDecay.install");
    }

    @Test
    void installRefusesConfigurationsItCannotRun() {
        SameDiff none = SdMlp.build(SdMlp.initial(10));
        assertTrue(assertThrows(IllegalStateException.class, () -> SharpnessAware.install(none)).getMessage()
                .contains("TrainingConfig"));
        SameDiff plain = SdMlp.build(SdMlp.initial(10), SGD, 0);
        assertTrue(assertThrows(IllegalStateException.class, () -> SharpnessAware.install(plain)).getMessage()
                .contains("DecoupledWeightDecay.install(sd)"));
        assertThrows(IllegalStateException.class, () -> SharpnessAware.unperturbed(plain));
        assertFalse(SharpnessAware.isPerturbed(plain));
    }
}
