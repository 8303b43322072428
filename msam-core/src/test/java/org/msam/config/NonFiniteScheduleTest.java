package org.msam.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.msam.reference.Data;
import org.msam.schedule.ConstantSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A ρ or learning-rate schedule that returns a non-finite value is refused before the step that would use it, naming
 * the schedule and the hyper-parameter, with θ and the optimizer state as they were.
 */
class NonFiniteScheduleTest {
    /** Returns the inner schedule's value, NaN from iteration {@code from} on; like a user's schedule, no equals(). */
    static final class NanFrom implements ISchedule {
        private final ISchedule inner;
        private final int from;

        NanFrom(ISchedule inner, int from) {
            this.inner = inner;
            this.from = from;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            return iteration >= from ? Double.NaN : inner.valueAt(iteration, epoch);
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }

    private static final int BAD = 3;

    private static void refusedWithNothingChanged(Msam config, String field, String what) {
        MsamHarness h = new MsamHarness(config, Data.normal(1, MsamTest.N, 1.0), MsamTest.BLOCKS, 0, DataType.DOUBLE);
        for (int t = 0; t < BAD - 1; t++) {
            h.step(MsamTest.gradAt(h.held(), t), t, 0);
        }
        h.stepToTheta(MsamTest.gradAt(h.held(), BAD - 1), BAD - 1, 0); // between steps the host holds θ
        double[] params = h.params.toDoubleVector();
        List<double[]> states = new ArrayList<>();
        for (INDArray s : h.states) {
            states.add(s.toDoubleVector());
        }
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> h.step(MsamTest.gradAt(h.held(), BAD), BAD, 0));
        assertTrue(e.getMessage().contains(field + " (" + NanFrom.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("returned NaN for " + what + " at iteration " + BAD + ", epoch 0"),
                e.getMessage());
        assertTrue(e.getMessage().contains("refused before it began"), e.getMessage());
        assertArrayEquals(params, h.params.toDoubleVector(), 0, "θ untouched");
        for (int b = 0; b < states.size(); b++) {
            assertArrayEquals(states.get(b), h.states.get(b).toDoubleVector(), 0, "state of block " + b);
        }
    }

    @Test
    void aNanRhoIsRefusedBeforeTheStep() {
        Msam msam = Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build())
                .rhoSchedule(new NanFrom(new ConstantSchedule(0.5), BAD)).build();
        refusedWithNothingChanged(msam, "Msam.rhoSchedule", "rho");
    }

    @Test
    void aNanRhoIsRefusedBeforeTheStepOfAdaptiveMsamOverAdamW() {
        Msam msam = Msam.builder().base(AdamW.builder().learningRate(0.01).weightDecay(0).build())
                .rhoSchedule(new NanFrom(new ConstantSchedule(0.5), BAD)).adaptive(true).build();
        refusedWithNothingChanged(msam, "Msam.rhoSchedule", "rho");
    }

    @Test
    void aNanLearningRateIsRefusedBeforeTheStep() {
        IUpdater sgd = SgdMomentum.builder().learningRate(new NanFrom(new ConstantSchedule(0.1), BAD)).momentum(0.9)
                .build();
        refusedWithNothingChanged(Msam.builder().base(sgd).rho(0.5).build(), "SgdMomentum.learningRateSchedule",
                "the learning rate");
        IUpdater adamw = AdamW.builder().learningRate(new NanFrom(new ConstantSchedule(0.01), BAD)).weightDecay(0)
                .build();
        refusedWithNothingChanged(Msam.builder().base(adamw).rho(0.5).build(), "AdamW.learningRateSchedule",
                "the learning rate");
    }
}
