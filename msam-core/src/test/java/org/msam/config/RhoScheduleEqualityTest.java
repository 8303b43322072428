package org.msam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Every layer of a network holds its own clone of the Msam configuration, ρ schedule included: a user's schedule class
 * without {@code equals} must still count as the same schedule when its clones hold the same values, and a real
 * difference is named.
 */
class RhoScheduleEqualityTest {
    /** ρ halved every {@code every} iterations; no equals or hashCode, private fields, no getters. */
    static final class Halving implements ISchedule {
        private final double start;
        private final int every;

        Halving(double start, int every) {
            this.start = start;
            this.every = every;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            return start * Math.pow(0.5, iteration / every);
        }

        @Override
        public ISchedule clone() {
            return new Halving(start, every);
        }
    }

    static Msam msam(ISchedule rho) {
        return Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rhoSchedule(rho)
                .build();
    }

    @Test
    void clonesOfAScheduleWithoutEqualsAreTheSameSchedule() {
        Msam a = msam(new Halving(1.0, 10));
        Msam b = (Msam) a.clone();
        assertTrue(a.sameRho(b));
        assertNull(a.rhoDifference(b));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Test
    void aRealDifferenceIsNamed() {
        Msam a = msam(new Halving(1.0, 10));
        Msam b = msam(new Halving(1.0, 20));
        assertFalse(a.sameRho(b));
        String d = a.rhoDifference(b);
        assertTrue(d.startsWith("rhoSchedule ") && d.contains("\"every\":10") && d.contains("\"every\":20"), d);
        assertTrue(msam(null).toBuilder().rho(1).build().rhoDifference(msam(null).toBuilder().rho(2).build())
                .startsWith("rho 1.0 and 2.0"));
    }
}
