package org.msam.examples.train;

import java.util.List;

import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.schedule.ConstantSchedule;
import org.msam.schedule.OffThenOnSchedule;
import org.msam.schedule.WarmupCosineSchedule;
import org.msam.schedule.WarmupSchedule;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The optimizers of the examples by name, built from a {@link RunConfig}:
 * <ul>
 *   <li>{@code sgd}: {@link SgdMomentum} (heavy ball), {@code nag}: Nesterov;</li>
 *   <li>{@code adamw}: {@link AdamW} with decoupled decay;</li>
 *   <li>{@code sam}: {@link Sam} over SGD; {@code msam}: {@link Msam} over SGD; {@code msam-adamw}: MSAM over AdamW.</li>
 * </ul>
 * The learning rate follows a per-iteration cosine with linear warm-up (or is constant after the warm-up).
 */
public final class Optimizers {
    /** The optimizer names. */
    public static final List<String> NAMES = List.of("sgd", "nag", "adamw", "sam", "msam", "msam-adamw");

    private Optimizers() {
    }

    /** @return the paper's ρ when none is given: 0.05 for SAM (Foret et al.), 3 for MSAM */
    public static double defaultRho(String optimizer) {
        return "sam".equals(optimizer) ? Sam.DEFAULT_RHO : Msam.DEFAULT_RHO;
    }

    /** @return true for the optimizers whose weight decay is DL4J's coupled l2 */
    public static boolean coupledDecay(String optimizer) {
        return !optimizer.contains("adamw");
    }

    /** @return true for SAM and MSAM, which need {@code SharpnessAware.install} */
    public static boolean sharpnessAware(String optimizer) {
        return optimizer.contains("sam");
    }

    /** @return true when the optimizer keeps the perturbed weights between steps (MSAM) */
    public static boolean isMsam(String optimizer) {
        return optimizer.startsWith("msam");
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
     * @param c                  the run
     * @param iterationsPerEpoch optimizer steps per epoch
     * @return the updater configuration
     */
    public static IUpdater create(RunConfig c, int iterationsPerEpoch) {
        ISchedule lr = learningRate(c, iterationsPerEpoch);
        double rho = c.rho == null ? defaultRho(c.optimizer) : c.rho;
        SgdMomentum sgd = SgdMomentum.builder().learningRate(lr).momentum(c.momentum).build();
        AdamW adamw = AdamW.builder().learningRate(lr).beta1(c.momentum).weightDecay(c.weightDecay).build();
        Msam.Builder msam = Msam.builder().rho(rho);
        if (c.rhoOffEpochs > 0) {
            msam.rhoSchedule(new OffThenOnSchedule(ScheduleType.EPOCH, c.rhoOffEpochs, rho));
        }
        switch (c.optimizer) {
            case "sgd":
                return sgd;
            case "nag":
                return sgd.toBuilder().nesterov(true).build();
            case "adamw":
                return adamw;
            case "sam":
                return Sam.builder().base(sgd).rho(rho).build();
            case "msam":
                return msam.base(sgd).build();
            case "msam-adamw":
                return msam.base(adamw).build();
            default:
                throw new IllegalArgumentException("Unknown optimizer '" + c.optimizer + "'; valid names: "
                        + String.join(", ", NAMES));
        }
    }
}
