package org.msam.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.nd4j.linalg.schedule.ScheduleType.EPOCH;
import static org.nd4j.linalg.schedule.ScheduleType.ITERATION;

/** A change to any one field makes a schedule unequal to its base configuration. */
class ScheduleEqualityTest {

    private static Arguments variants(String name, Supplier<ISchedule> base, ISchedule... variants) {
        return Arguments.of(name, base, Arrays.asList(variants));
    }

    static Stream<Arguments> bases() {
        List<Arguments> list = new ArrayList<>();
        list.add(variants("ConstantSchedule", () -> new ConstantSchedule(0.1),
                new ConstantSchedule(0.2), new ConstantSchedule(-0.1)));
        list.add(variants("WarmupCosineSchedule", () -> new WarmupCosineSchedule(0.1, 10, 100, 0.01, 0.001),
                new WarmupCosineSchedule(0.2, 10, 100, 0.01, 0.001),
                new WarmupCosineSchedule(0.1, 11, 100, 0.01, 0.001),
                new WarmupCosineSchedule(0.1, 10, 101, 0.01, 0.001),
                new WarmupCosineSchedule(0.1, 10, 100, 0.02, 0.001),
                new WarmupCosineSchedule(0.1, 10, 100, 0.01, 0.002)));
        list.add(variants("WarmupSchedule",
                () -> new WarmupSchedule(new CosineSchedule(EPOCH, 0.5, 0.0, 20), 10, 0.1),
                new WarmupSchedule(new CosineSchedule(EPOCH, 0.5, 0.0, 21), 10, 0.1),
                new WarmupSchedule(new CosineSchedule(ITERATION, 0.5, 0.0, 20), 10, 0.1),
                new WarmupSchedule(new ConstantSchedule(0.5), 10, 0.1),
                new WarmupSchedule(new CosineSchedule(EPOCH, 0.5, 0.0, 20), 11, 0.1),
                new WarmupSchedule(new CosineSchedule(EPOCH, 0.5, 0.0, 20), 10, 0.2)));
        list.add(variants("LinearRampSchedule", () -> new LinearRampSchedule(EPOCH, 0.0, 3.0, 10),
                new LinearRampSchedule(ITERATION, 0.0, 3.0, 10),
                new LinearRampSchedule(EPOCH, 0.5, 3.0, 10),
                new LinearRampSchedule(EPOCH, 0.0, 2.0, 10),
                new LinearRampSchedule(EPOCH, 0.0, 3.0, 11),
                new CosineSchedule(EPOCH, 0.0, 3.0, 10)));
        list.add(variants("CosineSchedule", () -> new CosineSchedule(EPOCH, 0.5, 0.0, 20),
                new CosineSchedule(ITERATION, 0.5, 0.0, 20),
                new CosineSchedule(EPOCH, 0.4, 0.0, 20),
                new CosineSchedule(EPOCH, 0.5, 0.1, 20),
                new CosineSchedule(EPOCH, 0.5, 0.0, 19),
                new LinearRampSchedule(EPOCH, 0.5, 0.0, 20)));
        list.add(variants("OffThenOnSchedule", () -> new OffThenOnSchedule(EPOCH, 8, 3.0),
                new OffThenOnSchedule(ITERATION, 8, 3.0),
                new OffThenOnSchedule(EPOCH, 7, 3.0),
                new OffThenOnSchedule(EPOCH, 8, 2.0),
                new OffThenOnSchedule(EPOCH, 8, new FixedSchedule(3.0)),
                new OffThenOnSchedule(EPOCH, 8, new LinearRampSchedule(EPOCH, 3.0, 3.0, 0))));
        return list.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bases")
    void anyFieldDifferenceIsUnequal(String name, Supplier<ISchedule> base, List<ISchedule> variants) {
        ISchedule a = base.get();
        assertEquals(a, base.get());
        assertFalse(a.equals(null));
        assertFalse(a.equals(a.toString()));
        for (ISchedule variant : variants) {
            assertNotEquals(a, variant, () -> a + " vs " + variant);
            assertNotEquals(variant, a, () -> variant + " vs " + a);
            assertNotEquals(new Sgd(a), new Sgd(variant));
        }
        for (int i = 0; i < variants.size(); i++) {
            for (int j = i + 1; j < variants.size(); j++) {
                assertNotEquals(variants.get(i), variants.get(j));
            }
        }
    }

    @Test
    void constantValueAndConstantInnerScheduleAreTheSameConfiguration() {
        OffThenOnSchedule byValue = new OffThenOnSchedule(EPOCH, 8, 3.0);
        OffThenOnSchedule byInner = new OffThenOnSchedule(EPOCH, 8, new ConstantSchedule(3.0));
        OffThenOnSchedule byBuilder = OffThenOnSchedule.builder().scheduleType(EPOCH).offUnits(8).value(3.0).build();
        assertEquals(byValue, byInner);
        assertEquals(byValue, byBuilder);
        assertEquals(byValue.hashCode(), byInner.hashCode());
        assertEquals(new ConstantSchedule(3.0), byValue.getInner());
    }

    @Test
    void builderLaterCallWinsBetweenValueAndInner() {
        ISchedule ramp = new LinearRampSchedule(EPOCH, 0.0, 3.0, 4);
        assertEquals(new OffThenOnSchedule(EPOCH, 2, ramp),
                OffThenOnSchedule.builder().scheduleType(EPOCH).offUnits(2).value(3.0).inner(ramp).build());
        assertEquals(new OffThenOnSchedule(EPOCH, 2, 3.0),
                OffThenOnSchedule.builder().scheduleType(EPOCH).offUnits(2).inner(ramp).value(3.0).build());
    }
}
