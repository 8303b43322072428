package org.msam.examples.train;

import org.msam.schedule.ConstantSchedule;
import org.msam.schedule.WarmupCosineSchedule;
import org.msam.schedule.WarmupSchedule;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Builds a run's learning-rate schedule and its {@link Optimizer}'s updater from a {@link RunConfig}. The learning
 * rate follows a per-iteration cosine with linear warm-up (or is constant after the warm-up).
 */
public final class Optimizers {
    private Optimizers() {
    }

    /**
     * @param c                   the run
     * @param iterationsPerEpoch  optimizer steps per epoch
     * @return the learning-rate schedule
     */
    public static ISchedule learningRate(RunConfig c, int iterationsPerEpoch) {
        int warmup = (int) Math.round(c.warmupEpochs * iterationsPerEpoch);
        if ("cosine".equals(c.schedule)) {
            return WarmupCosineSchedule.builder().peak(c.learningRate).warmupIterations(warmup)
                    .totalIterations(Math.max(warmup + 1, c.epochs * iterationsPerEpoch)).floor(0).build();
        }
        ISchedule constant = new ConstantSchedule(c.learningRate);
        return warmup == 0 ? constant : WarmupSchedule.builder().inner(constant).warmupIterations(warmup).build();
    }

    /**
     * @param c                  the run (checked with {@link RunConfig#problems()} first)
     * @param iterationsPerEpoch optimizer steps per epoch
     * @return the updater configuration of the chosen optimizer only
     */
    public static IUpdater create(RunConfig c, int iterationsPerEpoch) {
        return c.optimizer.updater(new Optimizer.Hyper(learningRate(c, iterationsPerEpoch), c.momentum,
                c.weightDecay).rho(c.rho).rhoOffEpochs(c.rhoOffEpochs).setAll(c.ruleSettings()).seed(c.seed));
    }
}
