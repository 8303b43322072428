package org.msam.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.msam.reference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** Where our updaters coincide with ND4J's built-ins, and where they must not. */
class Nd4jReductionTest {
    static final int N = 41;

    /** Runs an ND4J updater the way DL4J does, with optional decoupled decay (DL4J's WeightDecay(λ, applyLR=true)). */
    static double[] runNd4j(IUpdater cfg, double decay, int steps) {
        INDArray p = Nd4j.createFromArray(Data.normal(3, N, 0.5));
        long size = cfg.stateSize(N);
        GradientUpdater<?> u = cfg.instantiate(size == 0 ? null : Nd4j.zeros(DataType.DOUBLE, 1, size), true);
        for (int t = 0; t < steps; t++) {
            INDArray g = Nd4j.createFromArray(Data.normal(500 + t, N, 1.0));
            u.applyUpdater(g, t, 0);
            if (decay != 0) {
                g.addi(p.mul(decay * cfg.getLearningRate(t, 0)));
            }
            p.subi(g);
        }
        return p.toDoubleVector();
    }

    static double[] runOurs(IUpdater cfg, int steps) {
        UpdaterHarness h = new UpdaterHarness(cfg, Data.normal(3, N, 0.5), 0, DataType.DOUBLE);
        for (int t = 0; t < steps; t++) {
            h.step(Data.normal(500 + t, N, 1.0), t, 0);
        }
        return h.params();
    }

    @Test
    void momentumZeroEqualsNd4jSgdExactly() {
        assertArrayEquals(runNd4j(new Sgd(0.1), 0, 60),
                runOurs(SgdMomentum.builder().learningRate(0.1).momentum(0).build(), 60), 0.0);
    }

    @Test
    void nesterovEqualsNd4jNesterovsAtConstantLearningRate() {
        double[] nd4j = runNd4j(new Nesterovs(0.1, 0.9), 0, 60);
        double[] ours = runOurs(SgdMomentum.builder().learningRate(0.1).momentum(0.9).nesterov(true).build(), 60);
        assertTrue(Data.maxRelErr(ours, nd4j) < 1e-12, "error " + Data.maxRelErr(ours, nd4j));
    }

    @Test
    void nesterovDiffersFromNd4jNesterovsUnderASchedule() {
        ExponentialSchedule s = new ExponentialSchedule(ScheduleType.ITERATION, 0.1, 0.9);
        double[] nd4j = runNd4j(new Nesterovs(s, 0.9), 0, 60);
        double[] ours = runOurs(SgdMomentum.builder().learningRate(s).momentum(0.9).nesterov(true).build(), 60);
        assertTrue(Data.maxRelErr(ours, nd4j) > 1e-3, "PyTorch's form keeps η outside the buffer: error "
                + Data.maxRelErr(ours, nd4j));
    }

    @Test
    void adamwWithZeroEpsilonEqualsNd4jAdamPlusDecoupledDecay() {
        double[] nd4j = runNd4j(Adam.builder().learningRate(1e-2).epsilon(0).build(), 0.05, 60);
        double[] ours = runOurs(AdamW.builder().learningRate(1e-2).epsilon(0).weightDecay(0.05).build(), 60);
        assertTrue(Data.maxRelErr(ours, nd4j) < 1e-12, "error " + Data.maxRelErr(ours, nd4j));
    }

    @Test
    void adamwDiffersFromNd4jAdamWhenEpsilonMatters() {
        double[] nd4j = runNd4j(Adam.builder().learningRate(1e-2).epsilon(1e-2).build(), 0, 10);
        double[] ours = runOurs(AdamW.builder().learningRate(1e-2).epsilon(1e-2).weightDecay(0).build(), 10);
        assertTrue(Data.maxRelErr(ours, nd4j) > 1e-6, "ε placement: error " + Data.maxRelErr(ours, nd4j));
    }
}
