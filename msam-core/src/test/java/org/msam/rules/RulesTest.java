package org.msam.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.AdamW;
import org.msam.config.Esam;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.rule.Need;
import org.msam.schedule.OffThenOnSchedule;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ScheduleType;

/** The registry's entries against the configurations' builders, which check the ranges. */
class RulesTest {
    private static final IUpdater BASE = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    static Stream<Arguments> hyperparameters() {
        List<Arguments> a = new ArrayList<>();
        for (RuleSpec r : Rules.all()) {
            for (Hyperparameter h : r.hyperparameters()) {
                a.add(Arguments.of(r, h));
            }
        }
        return a.stream();
    }

    @Test
    void namesAndAliasesAreUniqueAndLowerCase() {
        Set<String> seen = new HashSet<>();
        for (RuleSpec r : Rules.all()) {
            for (String n : concat(r.name(), r.aliases())) {
                assertEquals(n.toLowerCase(java.util.Locale.ROOT), n);
                assertTrue(seen.add(n), n + " names two rules");
                assertSame(r, Rules.get(n.toUpperCase(java.util.Locale.ROOT)));
            }
            for (Base b : Base.values()) {
                assertFalse(seen.contains(b.cliName()), "a rule is named like the base " + b.cliName());
            }
        }
        assertEquals(List.of("sam", "asam", "msam", "amsam", "bnsam", "bnmsam", "looksam", "esam", "mesa", "lastgrad",
                "neglastgrad", "randdir", "rlastgrad", "rneglastgrad", "rranddir"), Rules.names());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Rules.get("lion")).getMessage()
                .contains("sam, asam, msam"));
    }

    private static List<String> concat(String first, List<String> more) {
        List<String> l = new ArrayList<>(List.of(first));
        l.addAll(more);
        return l;
    }

    @Test
    void aSharedNameIsOneOptionOfOneType() {
        Rules.hyperparameters().forEach((name, rules) -> {
            Hyperparameter first = rules.get(0).hyperparameter(name);
            for (RuleSpec r : rules) {
                Hyperparameter h = r.hyperparameter(name);
                assertEquals(first.option(), h.option(), name);
                assertEquals(first.type(), h.type(), name);
                assertEquals(first.symbol(), h.symbol(), name);
            }
        });
        assertEquals(Rules.RHO, Rules.hyperparameters().keySet().iterator().next());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hyperparameters")
    void theDeclaredRangeIsWhatTheBuilderAccepts(RuleSpec r, Hyperparameter h) {
        assertEquals(Optional.empty(), r.problem(h, h.defaultValue()), "the default is valid");
        Range range = h.range();
        List<Double> probes = new ArrayList<>(List.of(Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, -1e6, -1.0, -1e-3, 0.0, 1e-3, 0.5, 1.0, 1.0 + 1e-3, 2.0, 1e6));
        for (double bound : new double[] {range.lower(), range.upper()}) {
            if (Double.isFinite(bound)) {
                probes.add(bound);
                probes.add(Math.nextUp(bound));
                probes.add(Math.nextDown(bound));
            }
        }
        for (double v : probes) {
            if (h.isInteger() && (!Double.isFinite(v) || v != Math.rint(v))) {
                continue;
            }
            Number value = h.isInteger() ? (Number) (int) v : (Number) v;
            Optional<String> p = r.problem(h, value);
            assertEquals(!range.contains(v), p.isPresent(), r + " " + h.name() + " = " + v + ": " + p);
            p.ifPresent(m -> assertEquals(h.option() + " must be " + h.rangeInWords() + ", got " + value, m));
        }
    }

    @Test
    void theRangeSpeaksTheOptionsWords() {
        Hyperparameter ema = Rules.get("mesa").hyperparameter("emaDecay");
        assertEquals(Optional.of("--ema-decay must be in [0, 1), got 1.0"), Rules.get("mesa").problem(ema, 1.0));
        assertEquals(">= 0", Rules.get("sam").hyperparameter(Rules.RHO).range().toString());
        assertEquals("finite and >= 0", Rules.get("sam").hyperparameter(Rules.RHO).rangeInWords());
        assertEquals(">= 0", Rules.get("mesa").hyperparameter("mesaStartEpoch").rangeInWords());
        assertEquals("finite", Rules.get("msam").hyperparameter(Rules.RHO).range().toString());
        assertEquals("in (0, 1]", Rules.get("esam").hyperparameter("weightFraction").range().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.msam.rules.RulesTest#rules")
    void theDefaultsBuildTheConfigurationClass(RuleSpec r) {
        IUpdater u = r.updater(BASE, Settings.defaults());
        assertSame(r.configClass(), u.getClass());
        assertEquals(u, r.updater(BASE, Settings.defaults()), "equal settings build equal configurations");
        assertEquals(r.takesRho(), r.rhoScale() != null);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> r.updater(BASE, Settings.defaults().set("noSuchThing", 1.0))).getMessage()
                .contains("noSuchThing"));
    }

    static Stream<RuleSpec> rules() {
        return Rules.all().stream();
    }

    /** The registry builds what the builders build by hand, with the papers' defaults. */
    @Test
    void entriesBuildTheRulesByHand() {
        assertEquals(Sam.builder().base(BASE).rho(0.1).build(),
                Rules.get("sam").updater(BASE, Settings.defaults().set(Rules.RHO, 0.1)));
        assertEquals(Sam.builder().base(BASE).rho(0.5).adaptive(true).adaptiveEta(0.02).build(),
                Rules.get("asam").updater(BASE, Settings.defaults().set("adaptiveEta", 0.02)));
        assertEquals(Sam.builder().base(BASE).normalizationOnly(true).build(),
                Rules.get("bnsam").updater(BASE, Settings.defaults()));
        assertEquals(Msam.builder().base(BASE).rho(-1.0).build(),
                Rules.get("msam").updater(BASE, Settings.defaults().set(Rules.RHO, -1.0)));
        OffThenOnSchedule off = new OffThenOnSchedule(ScheduleType.EPOCH, 2, 3.0);
        assertEquals(Msam.builder().base(BASE).rhoSchedule(off).build(),
                Rules.get("msam").updater(BASE, Settings.defaults().rhoSchedule(off)));
        assertEquals(Msam.builder().base(BASE).adaptive(true).build(),
                Rules.get("amsam").updater(BASE, Settings.defaults()));
        assertEquals(Msam.builder().base(BASE).normalizationOnly(true).build(),
                Rules.get("bnmsam").updater(BASE, Settings.defaults()));
        assertEquals(LookSam.builder().base(BASE).period(3).alpha(0.5).build(),
                Rules.get("looksam").updater(BASE, Settings.defaults().set("lookSamPeriod", 3)
                        .set("lookSamAlpha", 0.5)));
        assertEquals(Esam.builder().base(BASE).rho(0.2).weightFraction(0.3).sampleFraction(0.6).seed(7).build(),
                Rules.get("esam").updater(BASE, Settings.defaults().set(Rules.RHO, 0.2).set("weightFraction", 0.3)
                        .set("sampleFraction", 0.6).seed(7)));
        assertEquals(Mesa.builder().base(BASE).lambda(0.5).temperature(2).emaDecay(0.99).startEpoch(1).build(),
                Rules.get("mesa").updater(BASE, Settings.defaults().set("mesaLambda", 0.5)
                        .set("mesaTemperature", 2.0).set("emaDecay", 0.99).set("mesaStartEpoch", 1)));
        assertThrows(IllegalArgumentException.class,
                () -> Rules.get("sam").updater(BASE, Settings.defaults().rhoSchedule(off)));
    }

    @Test
    void needsAreDeclaredOnce() {
        assertEquals(List.of("msam", "amsam", "bnmsam", "lastgrad", "neglastgrad", "randdir", "rlastgrad",
                "rneglastgrad", "rranddir"), names(Rules.needing(Need.HELD_PERTURBATION)));
        assertEquals(List.of("msam", "amsam", "bnmsam"), names(Rules.needing(Need.BASE_MOMENTUM)));
        assertEquals(List.of("sam", "asam", "bnsam", "looksam", "esam"), names(Rules.needing(Need.SECOND_PASS)));
        assertEquals(List.of("esam"), names(Rules.needing(Need.SAMPLE_LOSSES)));
        assertEquals(List.of("looksam"), names(Rules.needing(Need.STEP_GRADIENT_TERM)));
        assertEquals(List.of("mesa"), names(Rules.needing(Need.TEACHER_FORWARD)));
        assertEquals(List.of("bnsam", "bnmsam"), names(Rules.needing(Need.NORMALIZATION_LAYERS)));
        assertEquals("Sam, Msam, LookSam, Esam, Mesa, FreePerturbation", Rules.configurationNames());
    }

    @Test
    void needsFollowTheConfigurationsOwnSettings() {
        Esam everySample = Esam.builder().base(BASE).rho(0.05).sampleFraction(1).build();
        assertEquals(Set.of(Need.SECOND_PASS), everySample.needs());
        assertEquals(Set.of(Need.SECOND_PASS, Need.SAMPLE_LOSSES),
                Esam.builder().base(BASE).rho(0.05).sampleFraction(0.5).build().needs());
        assertEquals(Set.of(Need.HELD_PERTURBATION, Need.BASE_MOMENTUM, Need.NORMALIZATION_LAYERS),
                Msam.builder().base(BASE).rho(1).normalizationOnly(true).build().needs());
        assertEquals(Set.of(Need.SECOND_PASS, Need.NORMALIZATION_LAYERS),
                Sam.builder().base(BASE).rho(0.05).normalizationOnly(true).build().needs());
    }

    private static List<String> names(List<RuleSpec> rules) {
        List<String> n = new ArrayList<>();
        rules.forEach(r -> n.add(r.name()));
        return n;
    }

    /**
     * DL4J regroups a block's state by parameter when its updater blocks change ({@code net.setLearningRate(layer,
     * lr)}), which keeps only whole multiples of the block's parameter count: every rule's state, over either base,
     * is one.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void everyStateIsAWholeMultipleOfTheParameterCount(RuleSpec spec) {
        for (IUpdater base : new IUpdater[] {SgdMomentum.builder().learningRate(0.1).momentum(0.9).build(),
            AdamW.builder().build()}) {
            IUpdater u = spec.updater(base, Settings.defaults());
            for (long n : new long[] {1, 7, 1000}) {
                long size = u.stateSize(n);
                assertEquals(0, size % n, spec.name() + " over " + base + ": " + size + " for " + n);
            }
        }
    }

}
