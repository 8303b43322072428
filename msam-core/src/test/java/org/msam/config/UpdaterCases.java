package org.msam.config;

import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;

import org.msam.reference.Data;
import org.msam.reference.RefAdamW;
import org.msam.reference.RefOptimizer;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** The registry of named base-optimizer configurations that every contract test runs through. */
final class UpdaterCases {
    private UpdaterCases() {
    }

    /** A named configuration with its double-precision reference and tolerances. */
    static final class Case {
        final String name;
        final Supplier<IUpdater> config;
        final IntFunction<RefOptimizer> reference;
        final double l2;
        /** Largest relative error allowed against the reference in DOUBLE: rounding of a few ops per step. */
        final double tolDouble;
        /** Largest relative error allowed in FLOAT: float32 rounding accumulated over the steps. */
        final double tolFloat;

        Case(String name, Supplier<IUpdater> config, IntFunction<RefOptimizer> reference, double l2,
             double tolDouble, double tolFloat) {
            this.name = name;
            this.config = config;
            this.reference = reference;
            this.l2 = l2;
            this.tolDouble = tolDouble;
            this.tolFloat = tolFloat;
        }

        @Override
        public String toString() {
            return name;
        }

        /** @return the largest relative error of the harness's state against the reference's */
        double stateError(UpdaterHarness h, RefOptimizer ref, int n) {
            if (ref instanceof RefSgd) {
                RefSgd r = (RefSgd) ref;
                if (h.state == null) {
                    return 0;
                }
                return Data.maxRelErr(h.stateSlice(0, n), r.momentum());
            }
            RefAdamW r = (RefAdamW) ref;
            double e = Data.maxRelErr(h.stateSlice(0, n), r.momentum());
            return Math.max(e, Data.maxRelErr(h.stateSlice(n, n), r.secondMoment()));
        }
    }

    static IntToDoubleFunction constant(double lr) {
        return t -> lr;
    }

    /** ND4J's ExponentialSchedule, written independently: lr·γ^t. */
    static IntToDoubleFunction exponential(double lr, double gamma) {
        return t -> lr * Math.pow(gamma, t);
    }

    static List<Case> all() {
        return List.of(
                new Case("sgd_plain", () -> SgdMomentum.builder().learningRate(0.1).momentum(0).build(),
                        n -> new RefSgd(constant(0.1), 0, 0, false, 0, n), 0, 1e-13, 1e-5),
                new Case("sgd_momentum", () -> SgdMomentum.builder().learningRate(0.1).momentum(0.9).build(),
                        n -> new RefSgd(constant(0.1), 0.9, 0, false, 0, n), 0, 1e-12, 1e-5),
                new Case("sgd_dampening",
                        () -> SgdMomentum.builder().learningRate(0.05).momentum(0.8).dampening(0.3).build(),
                        n -> new RefSgd(constant(0.05), 0.8, 0.3, false, 0, n), 0, 1e-12, 1e-5),
                new Case("sgd_nesterov",
                        () -> SgdMomentum.builder().learningRate(0.1).momentum(0.9).nesterov(true).build(),
                        n -> new RefSgd(constant(0.1), 0.9, 0, true, 0, n), 0, 1e-12, 1e-5),
                new Case("sgd_l2", () -> SgdMomentum.builder().learningRate(0.1).momentum(0.9).build(),
                        n -> new RefSgd(constant(0.1), 0.9, 0, false, 5e-3, n), 5e-3, 1e-12, 1e-5),
                new Case("sgd_schedule",
                        () -> SgdMomentum.builder().learningRate(new ExponentialSchedule(ScheduleType.ITERATION, 0.2,
                                0.97)).momentum(0.9).build(),
                        n -> new RefSgd(exponential(0.2, 0.97), 0.9, 0, false, 0, n), 0, 1e-12, 1e-5),
                new Case("sgd_nesterov_schedule",
                        () -> SgdMomentum.builder().learningRate(new ExponentialSchedule(ScheduleType.ITERATION, 0.2,
                                0.97)).momentum(0.9).nesterov(true).build(),
                        n -> new RefSgd(exponential(0.2, 0.97), 0.9, 0, true, 0, n), 0, 1e-12, 1e-5),
                new Case("adamw_default", () -> AdamW.builder().learningRate(1e-2).build(),
                        n -> new RefAdamW(constant(1e-2), 0.9, 0.999, 1e-8, 1e-2, null, n), 0, 1e-11, 1e-4),
                new Case("adamw_large_eps",
                        () -> AdamW.builder().learningRate(1e-2).beta1(0.8).beta2(0.99).epsilon(1e-3)
                                .weightDecay(0.1).build(),
                        n -> new RefAdamW(constant(1e-2), 0.8, 0.99, 1e-3, 0.1, null, n), 0, 1e-11, 1e-4),
                new Case("adamw_schedule",
                        () -> AdamW.builder().learningRate(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.95))
                                .weightDecay(5e-2).build(),
                        n -> new RefAdamW(exponential(1e-2, 0.95), 0.9, 0.999, 1e-8, 5e-2, null, n), 0, 1e-11, 1e-4),
                new Case("adamw_no_decay", () -> AdamW.builder().learningRate(1e-2).weightDecay(0).build(),
                        n -> new RefAdamW(constant(1e-2), 0.9, 0.999, 1e-8, 0, null, n), 0, 1e-11, 1e-4));
    }
}
