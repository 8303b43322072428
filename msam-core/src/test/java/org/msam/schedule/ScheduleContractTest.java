package org.msam.schedule;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.serde.json.JsonMappers;
import org.nd4j.shade.jackson.databind.MapperFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.json.JsonMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every registered schedule: values against its reference, JSON round trips, clone, equality of copies. */
class ScheduleContractTest {

    /** Relative tolerance against the references (they use the same maths in a different order). */
    private static final double RELATIVE_TOLERANCE = 1e-13;

    /** A plain mapper (properties from getters) and ND4J's (fields only, as DL4J configures its own). */
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final ObjectMapper ND4J = JsonMappers.getMapper();
    /**
     * A mapper that can set values only through the creator: the other two would also write a written
     * property straight into its (final) field, bypassing the constructor's checks, so they would not notice
     * a creator parameter whose name differs from the property's.
     */
    private static final ObjectMapper CREATOR_ONLY = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_FINAL_FIELDS_AS_MUTATORS, MapperFeature.INFER_PROPERTY_MUTATORS)
            .build();

    static List<ScheduleCases.Case> cases() {
        return ScheduleCases.all();
    }

    static Stream<Arguments> casesAndMappers() {
        return cases().stream().flatMap(c -> Stream.of(
                Arguments.of(c, "plain", PLAIN),
                Arguments.of(c, "nd4j", ND4J),
                Arguments.of(c, "creator-only", CREATOR_ONLY)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void valuesMatchReference(ScheduleCases.Case c) {
        ISchedule schedule = c.schedule.get();
        for (ScheduleCases.Point p : c.points) {
            double expected = c.reference.valueAt(p.iteration, p.epoch);
            double actual = schedule.valueAt(p.iteration, p.epoch);
            assertEquals(expected, actual, RELATIVE_TOLERANCE * Math.max(1.0, Math.abs(expected)),
                    () -> c.name + " at " + p);
        }
    }

    @ParameterizedTest(name = "{0} ({1} mapper)")
    @MethodSource("casesAndMappers")
    void jsonRoundTripAsISchedule(ScheduleCases.Case c, String mapperName, ObjectMapper mapper) throws Exception {
        ISchedule schedule = c.schedule.get();
        String json = mapper.writerFor(ISchedule.class).writeValueAsString(schedule);
        assertTrue(json.contains(schedule.getClass().getName()), () -> "no @class in " + json);

        ISchedule back = mapper.readValue(json, ISchedule.class);
        assertNotSame(schedule, back);
        assertSame(schedule.getClass(), back.getClass());
        assertEquals(schedule, back, json);
        assertEquals(schedule.hashCode(), back.hashCode());
        assertEquals(json, mapper.writerFor(ISchedule.class).writeValueAsString(back));
        for (ScheduleCases.Point p : c.points) {
            assertEquals(schedule.valueAt(p.iteration, p.epoch), back.valueAt(p.iteration, p.epoch), 0.0,
                    () -> c.name + " after JSON at " + p);
        }
    }

    /** Held by an ND4J updater configuration, as in a DL4J model's JSON. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jsonRoundTripInsideUpdaterConfig(ScheduleCases.Case c) throws Exception {
        IUpdater updater = new Sgd(c.schedule.get());
        String json = ND4J.writerFor(IUpdater.class).writeValueAsString(updater);
        IUpdater back = ND4J.readValue(json, IUpdater.class);
        assertEquals(updater, back, json);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cloneIsEqualButNotSame(ScheduleCases.Case c) {
        ISchedule schedule = c.schedule.get();
        ISchedule clone = schedule.clone();
        assertNotSame(schedule, clone);
        assertSame(schedule.getClass(), clone.getClass());
        assertEquals(schedule, clone);
        assertEquals(schedule.hashCode(), clone.hashCode());
        for (ScheduleCases.Point p : c.points) {
            assertEquals(schedule.valueAt(p.iteration, p.epoch), clone.valueAt(p.iteration, p.epoch), 0.0);
        }
    }

    /** Two separately built equal configurations: what DL4J needs to merge layers into one updater block. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equalConfigurationsAreEqual(ScheduleCases.Case c) {
        ISchedule a = c.schedule.get();
        ISchedule b = c.schedule.get();
        assertNotSame(a, b);
        assertEquals(a, b);
        assertEquals(b, a);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertEquals(new Sgd(a), new Sgd(b));
        assertTrue(a.toString().startsWith(a.getClass().getSimpleName() + "("), a::toString);
    }
}
