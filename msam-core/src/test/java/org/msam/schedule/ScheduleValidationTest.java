package org.msam.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.serde.json.JsonMappers;
import org.nd4j.shade.jackson.databind.JsonMappingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.schedule.ScheduleType.EPOCH;
import static org.nd4j.linalg.schedule.ScheduleType.ITERATION;

/** Every invalid argument is rejected with its exact documented message. */
class ScheduleValidationTest {

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    private static Arguments iae(String message, Executable build) {
        return Arguments.of(IllegalArgumentException.class, message, build);
    }

    private static Arguments missing(String name, Executable build) {
        return Arguments.of(IllegalStateException.class, "Missing required value: " + name, build);
    }

    static Stream<Arguments> invalid() {
        List<Arguments> list = new ArrayList<>();

        list.add(iae("Invalid value: NaN (must be finite)", () -> new ConstantSchedule(NAN)));
        list.add(iae("Invalid value: Infinity (must be finite)", () -> new ConstantSchedule(INF)));
        list.add(iae("Invalid value: -Infinity (must be finite)", () -> new ConstantSchedule(-INF)));

        list.add(iae("Invalid peak value: -1.0 (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(-1.0, 10, 100, 0.0, 0.0)));
        list.add(iae("Invalid peak value: NaN (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(NAN, 10, 100, 0.0, 0.0)));
        list.add(iae("Invalid peak value: Infinity (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(INF, 10, 100, 0.0, 0.0)));
        list.add(iae("Invalid warmupIterations value: -1 (must be >= 0)",
                () -> new WarmupCosineSchedule(0.1, -1, 100, 0.0, 0.0)));
        list.add(iae("Invalid totalIterations value: 10 (must be > warmupIterations = 10)",
                () -> new WarmupCosineSchedule(0.1, 10, 10, 0.0, 0.0)));
        list.add(iae("Invalid totalIterations value: 5 (must be > warmupIterations = 10)",
                () -> new WarmupCosineSchedule(0.1, 10, 5, 0.0, 0.0)));
        list.add(iae("Invalid totalIterations value: 0 (must be > warmupIterations = 0)",
                () -> new WarmupCosineSchedule(0.1, 0, 0, 0.0, 0.0)));
        list.add(iae("Invalid floor value: -0.1 (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(0.1, 10, 100, -0.1, 0.0)));
        list.add(iae("Invalid floor value: NaN (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(0.1, 10, 100, NAN, 0.0)));
        list.add(iae("Invalid initial value: -1.0E-4 (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(0.1, 10, 100, 0.0, -1e-4)));
        list.add(iae("Invalid initial value: Infinity (must be finite and >= 0)",
                () -> new WarmupCosineSchedule(0.1, 10, 100, 0.0, INF)));
        list.add(iae("Invalid floor value: 0.2 (must be <= peak = 0.1)",
                () -> new WarmupCosineSchedule(0.1, 10, 100, 0.2, 0.0)));
        list.add(iae("Invalid warmupIterations value: -3 (must be >= 0)",
                () -> WarmupCosineSchedule.builder().peak(0.1).warmupIterations(-3).totalIterations(9).build()));
        list.add(missing("peak", () -> WarmupCosineSchedule.builder().totalIterations(100).build()));
        list.add(missing("totalIterations", () -> WarmupCosineSchedule.builder().peak(0.1).build()));

        list.add(iae("Invalid inner value: null (must not be null)", () -> new WarmupSchedule(null, 10, 0.0)));
        list.add(iae("Invalid warmupIterations value: -1 (must be >= 0)",
                () -> new WarmupSchedule(new ConstantSchedule(1.0), -1, 0.0)));
        list.add(iae("Invalid startFactor value: -0.1 (must be in [0, 1])",
                () -> new WarmupSchedule(new ConstantSchedule(1.0), 10, -0.1)));
        list.add(iae("Invalid startFactor value: 1.5 (must be in [0, 1])",
                () -> new WarmupSchedule(new ConstantSchedule(1.0), 10, 1.5)));
        list.add(iae("Invalid startFactor value: NaN (must be in [0, 1])",
                () -> new WarmupSchedule(new ConstantSchedule(1.0), 10, NAN)));
        list.add(iae("Invalid startFactor value: 2.0 (must be in [0, 1])",
                () -> WarmupSchedule.builder().inner(new ConstantSchedule(1.0)).warmupIterations(3)
                        .startFactor(2.0).build()));
        list.add(missing("inner", () -> WarmupSchedule.builder().warmupIterations(3).build()));
        list.add(missing("warmupIterations", () -> WarmupSchedule.builder().inner(new ConstantSchedule(1.0)).build()));

        list.add(iae("Invalid scheduleType value: null (must not be null)",
                () -> new LinearRampSchedule(null, 0.0, 1.0, 10)));
        list.add(iae("Invalid from value: NaN (must be finite)", () -> new LinearRampSchedule(EPOCH, NAN, 1.0, 10)));
        list.add(iae("Invalid to value: Infinity (must be finite)", () -> new LinearRampSchedule(EPOCH, 0.0, INF, 10)));
        list.add(iae("Invalid length value: -1 (must be >= 0)", () -> new LinearRampSchedule(EPOCH, 0.0, 1.0, -1)));
        list.add(iae("Invalid length value: -2 (must be >= 0)",
                () -> LinearRampSchedule.builder().scheduleType(ITERATION).to(1.0).length(-2).build()));
        list.add(missing("scheduleType", () -> LinearRampSchedule.builder().to(1.0).length(2).build()));
        list.add(missing("to", () -> LinearRampSchedule.builder().scheduleType(EPOCH).length(2).build()));
        list.add(missing("length", () -> LinearRampSchedule.builder().scheduleType(EPOCH).to(1.0).build()));

        list.add(iae("Invalid scheduleType value: null (must not be null)",
                () -> new CosineSchedule(null, 1.0, 0.0, 10)));
        list.add(iae("Invalid initial value: NaN (must be finite)", () -> new CosineSchedule(EPOCH, NAN, 0.0, 10)));
        list.add(iae("Invalid last value: -Infinity (must be finite)", () -> new CosineSchedule(EPOCH, 1.0, -INF, 10)));
        list.add(iae("Invalid length value: -1 (must be >= 0)", () -> new CosineSchedule(EPOCH, 1.0, 0.0, -1)));
        list.add(iae("Invalid length value: -5 (must be >= 0)",
                () -> CosineSchedule.builder().scheduleType(EPOCH).initial(1.0).length(-5).build()));
        list.add(missing("scheduleType", () -> CosineSchedule.builder().initial(1.0).length(2).build()));
        list.add(missing("initial", () -> CosineSchedule.builder().scheduleType(EPOCH).length(2).build()));
        list.add(missing("length", () -> CosineSchedule.builder().scheduleType(EPOCH).initial(1.0).build()));

        list.add(iae("Invalid scheduleType value: null (must not be null)", () -> new OffThenOnSchedule(null, 8, 3.0)));
        list.add(iae("Invalid offUnits value: -1 (must be >= 0)", () -> new OffThenOnSchedule(EPOCH, -1, 3.0)));
        list.add(iae("Invalid value: NaN (must be finite)", () -> new OffThenOnSchedule(EPOCH, 8, NAN)));
        list.add(iae("Invalid inner value: null (must not be null)",
                () -> new OffThenOnSchedule(EPOCH, 8, (ISchedule) null)));
        list.add(iae("Invalid value: Infinity (must be finite)", () -> OffThenOnSchedule.builder().value(INF)));
        list.add(iae("Invalid offUnits value: -4 (must be >= 0)",
                () -> OffThenOnSchedule.builder().scheduleType(EPOCH).offUnits(-4).value(1.0).build()));
        list.add(missing("scheduleType", () -> OffThenOnSchedule.builder().offUnits(8).value(3.0).build()));
        list.add(missing("offUnits", () -> OffThenOnSchedule.builder().scheduleType(EPOCH).value(3.0).build()));
        list.add(missing("value or inner", () -> OffThenOnSchedule.builder().scheduleType(EPOCH).offUnits(8).build()));
        return list.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void rejectedWithExactMessage(Class<? extends Exception> type, String message, Executable build) {
        Exception e = assertThrows(type, build);
        assertEquals(message, e.getMessage());
    }

    /** JSON goes through the same constructor, so an invalid file is rejected with the same message. */
    @Test
    void invalidJsonIsRejectedByTheConstructor() {
        ObjectMapper mapper = JsonMappers.getMapper();
        String json = "{\"@class\":\"org.msam.schedule.WarmupCosineSchedule\",\"peak\":0.1,"
                + "\"warmupIterations\":-1,\"totalIterations\":10,\"floor\":0.0,\"initial\":0.0}";
        JsonMappingException e = assertThrows(JsonMappingException.class,
                () -> mapper.readValue(json, ISchedule.class));
        Throwable cause = e.getCause();
        assertTrue(cause instanceof IllegalArgumentException, () -> String.valueOf(cause));
        assertEquals("Invalid warmupIterations value: -1 (must be >= 0)", cause.getMessage());

        String noInner = "{\"@class\":\"org.msam.schedule.WarmupSchedule\",\"warmupIterations\":3,\"startFactor\":0.0}";
        JsonMappingException e2 = assertThrows(JsonMappingException.class,
                () -> mapper.readValue(noInner, ISchedule.class));
        assertEquals("Invalid inner value: null (must not be null)", e2.getCause().getMessage());
    }
}
