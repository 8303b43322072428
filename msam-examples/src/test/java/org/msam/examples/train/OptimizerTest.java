package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.rules.Base;
import org.msam.rule.Need;
import org.msam.rules.Rules;
import org.msam.schedule.ConstantSchedule;

/** The optimizer catalog: names, composition of method and base, and what each one builds. */
class OptimizerTest {
    private static Optimizer.Hyper hyper(double momentum) {
        return new Optimizer.Hyper(new ConstantSchedule(0.1), momentum, 0.01);
    }

    @Test
    void theExistingNamesAreStable() {
        assertEquals(List.of("sgd", "nag", "adamw", "sam", "sam-nag", "sam-adamw", "asam", "asam-nag", "asam-adamw",
                "msam", "msam-nag", "msam-adamw"), Optimizer.names().subList(0, 12));
        assertEquals(Optimizer.MSAM_ADAMW, Optimizer.parse("msam-adamw"));
        assertEquals("msam-adamw", Optimizer.MSAM_ADAMW.name());
        // the benchmarks' earlier spellings
        assertEquals(Optimizer.MSAM_ADAMW, Optimizer.parse("msamAdamW"));
        assertEquals(Optimizer.MSAM, Optimizer.parse("msamSgd"));
        assertEquals(Optimizer.SGD, Optimizer.parse("sgdMomentum"));
        assertEquals(Optimizer.NAG, Optimizer.parse("sgdNesterov"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizer.parse("lion"));
        assertTrue(e.getMessage().startsWith("Unknown optimizer 'lion'; valid names: sgd, nag, adamw, sam, asam, msam"),
                e.getMessage());
    }

    @Test
    void theCommandLineComposesMethodAndBase() {
        assertEquals(Optimizer.MSAM_ADAMW, Optimizer.fromCli("msam", "adamw"));
        assertEquals(Optimizer.MSAM_ADAMW, Optimizer.fromCli("msam-adamw", null));
        assertEquals(Optimizer.MSAM_ADAMW, Optimizer.fromCli("msam-adamw", "adamw"));
        assertEquals(Optimizer.of(Rules.get("sam"), Base.ADAMW), Optimizer.fromCli("sam", "adamw"));
        assertEquals(Optimizer.ASAM, Optimizer.fromCli("asam", null));
        assertEquals(Optimizer.ASAM, Optimizer.fromCli("asam", "sgd"));
        assertEquals(Optimizer.NAG, Optimizer.fromCli("nag", "nag"));
        assertEquals("--base adamw contradicts --optimizer sgd: --base applies to the sharpness-aware methods ("
                + String.join(", ", Rules.names()) + "); for a plain optimizer write --optimizer adamw alone",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.fromCli("sgd", "adamw")).getMessage());
        assertEquals("--base nag contradicts --optimizer msam-adamw: write --optimizer msam --base nag",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.fromCli("msam-adamw", "nag"))
                        .getMessage());
        assertEquals("Unknown --base 'lion'; valid names: sgd, nag, adamw",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.fromCli("msam", "lion")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Optimizer.fromCli("lion", null)).getMessage()
                .startsWith("Unknown --optimizer 'lion'"));
    }

    @Test
    void behaviourFollowsTheTypedValues() {
        assertFalse(Optimizer.SGD.sharpnessAware());
        assertTrue(Optimizer.ASAM.sharpnessAware() && Optimizer.ASAM.needs(Need.SECOND_PASS)
                && !Optimizer.ASAM.needs(Need.HELD_PERTURBATION));
        assertTrue(Optimizer.MSAM_ADAMW.needs(Need.HELD_PERTURBATION) && !Optimizer.MSAM_ADAMW.coupledDecay());
        assertFalse(Optimizer.SGD.needs(Need.SECOND_PASS) || Optimizer.SGD.takesRho());
        assertTrue(Optimizer.SAM.coupledDecay());
        assertFalse(Optimizer.ADAMW.coupledDecay());
        assertEquals(Sam.DEFAULT_RHO, Optimizer.SAM.defaultRho(), 0);
        assertEquals(Msam.DEFAULT_RHO, Optimizer.MSAM.defaultRho(), 0);
    }

    @Test
    void theAdaptiveBnOnlyAndLookSamFormsAreInTheCatalog() {
        org.msam.config.Msam amsam = assertInstanceOf(org.msam.config.Msam.class,
                Optimizer.parse("amsam").updater(hyper(0.9)));
        assertTrue(amsam.isAdaptive() && !amsam.isNormalizationOnly());
        org.msam.config.Msam bn = assertInstanceOf(org.msam.config.Msam.class,
                Optimizer.parse("bnmsam-adamw").updater(hyper(0.9)));
        assertTrue(bn.isNormalizationOnly() && bn.getBase() instanceof org.msam.config.AdamW);
        Sam bnsam = assertInstanceOf(Sam.class, Optimizer.parse("bnsam").updater(hyper(0.9)));
        assertTrue(bnsam.isNormalizationOnly() && !bnsam.isAdaptive());
        org.msam.config.LookSam look = assertInstanceOf(org.msam.config.LookSam.class,
                Optimizer.parse("looksam").updater(hyper(0.9)));
        assertEquals(org.msam.config.LookSam.DEFAULT_PERIOD, look.getPeriod());
        assertTrue(Optimizer.parse("looksam").needs(Need.SECOND_PASS)
                && Optimizer.parse("amsam").needs(Need.HELD_PERTURBATION)
                && Optimizer.parse("bnmsam").needs(Need.HELD_PERTURBATION));
        assertEquals(Optimizer.parse("looksam-nag"), Optimizer.fromCli("looksam", "nag"));
        assertTrue(Optimizer.names().containsAll(java.util.List.of("amsam", "bnsam", "bnmsam", "looksam",
                "looksam-adamw")));
    }

    @Test
    void esamAndMesaAreInTheCatalogWithTheLibraryDefaults() {
        org.msam.config.Esam esam = assertInstanceOf(org.msam.config.Esam.class,
                Optimizer.parse("esam").updater(hyper(0.9)));
        assertEquals(org.msam.config.Esam.DEFAULT_WEIGHT_FRACTION, esam.getWeightFraction(), 0);
        assertEquals(org.msam.config.Esam.DEFAULT_SAMPLE_FRACTION, esam.getSampleFraction(), 0);
        assertEquals(org.msam.config.Esam.DEFAULT_RHO, esam.getRho(), 0);
        esam = assertInstanceOf(org.msam.config.Esam.class,
                Optimizer.parse("esam-adamw").updater(hyper(0.9).set("weightFraction", 0.3).set("sampleFraction", 0.6).seed(7).rho(0.2)));
        assertTrue(esam.getBase() instanceof AdamW);
        assertEquals(0.3, esam.getWeightFraction(), 0);
        assertEquals(0.6, esam.getSampleFraction(), 0);
        assertEquals(7, esam.getSeed());
        assertEquals(0.2, esam.getRho(), 0);
        org.msam.config.Mesa mesa = assertInstanceOf(org.msam.config.Mesa.class,
                Optimizer.parse("mesa").updater(hyper(0.9)));
        assertEquals(org.msam.config.Mesa.DEFAULT_LAMBDA, mesa.getLambda(), 0);
        assertEquals(org.msam.config.Mesa.DEFAULT_TEMPERATURE, mesa.getTemperature(), 0);
        assertEquals(org.msam.config.Mesa.DEFAULT_EMA_DECAY, mesa.getEmaDecay(), 0);
        assertEquals(org.msam.config.Mesa.DEFAULT_START_EPOCH, mesa.getStartEpoch());
        mesa = assertInstanceOf(org.msam.config.Mesa.class,
                Optimizer.fromCli("mesa", "nag").updater(hyper(0.9).set("mesaLambda", 0.5).set("mesaTemperature", 2.0).set("emaDecay", 0.99).set("mesaStartEpoch", 1)));
        assertTrue(((SgdMomentum) mesa.getBase()).isNesterov());
        assertEquals(0.5, mesa.getLambda(), 0);
        assertEquals(2.0, mesa.getTemperature(), 0);
        assertEquals(0.99, mesa.getEmaDecay(), 0);
        assertEquals(1, mesa.getStartEpoch());
        assertTrue(Optimizer.parse("esam").needs(Need.SAMPLE_LOSSES) && !Optimizer.parse("mesa").takesRho()
                && Optimizer.parse("mesa").needs(Need.TEACHER_FORWARD) && Optimizer.parse("mesa").sharpnessAware());
        assertTrue(Optimizer.names().containsAll(java.util.List.of("esam", "mesa", "esam-nag", "mesa-adamw")));
    }

    @Test
    void esamAndMesaOptionsAreChecked() {
        RunConfig c = new RunConfig();
        c.optimizer = Optimizer.parse("esam");
        c.set("sampleFraction", 0.0);
        assertEquals(List.of("--sample-fraction must be in (0, 1], got 0.0"), c.problems());
        c.set("sampleFraction", 0.5);
        c.set("weightFraction", 1.0);
        assertEquals(List.of(), c.problems());
        c.optimizer = Optimizer.SAM;
        assertEquals(List.of("--weight-fraction and --sample-fraction apply to --optimizer esam only, got them with "
                + "sam"), c.problems());
        c = new RunConfig();
        c.optimizer = Optimizer.parse("mesa");
        c.set("emaDecay", 1.0);
        c.set("mesaTemperature", 0.0);
        assertEquals(List.of("--temperature must be finite and > 0, got 0.0", "--ema-decay must be in [0, 1), got 1.0"),
                c.problems());
    }

    @Test
    void eachBuildsOnlyItsOwnUpdater() {
        // momentum 1 is valid for SGD: no AdamW is built to refuse it as beta1
        SgdMomentum sgd = assertInstanceOf(SgdMomentum.class, Optimizer.SGD.updater(hyper(1.0)));
        assertEquals(1.0, sgd.getMomentum(), 0);
        assertTrue(assertInstanceOf(SgdMomentum.class, Optimizer.NAG.updater(hyper(0.9))).isNesterov());
        assertInstanceOf(AdamW.class, Optimizer.ADAMW.updater(hyper(0.9)));
        Sam asam = assertInstanceOf(Sam.class, Optimizer.ASAM.updater(hyper(0.9).set("adaptiveEta", 0.2).rho(0.7)));
        assertTrue(asam.isAdaptive());
        assertEquals(0.2, asam.getAdaptiveEta(), 0);
        assertEquals(0.7, asam.getRho(), 0);
        Sam samAdamW = assertInstanceOf(Sam.class, Optimizer.fromCli("sam", "adamw").updater(hyper(0.9)));
        assertInstanceOf(AdamW.class, samAdamW.getBase());
        assertFalse(samAdamW.isAdaptive());
        Msam msam = assertInstanceOf(Msam.class, Optimizer.MSAM_ADAMW.updater(hyper(0.9)));
        assertInstanceOf(AdamW.class, msam.getBase());
    }

    @Test
    void runConfigWritesTheOptimizerByName() throws Exception {
        RunConfig c = new RunConfig();
        c.optimizer = Optimizer.MSAM_ADAMW;
        String json = Json.write(c);
        assertTrue(json.contains("\"optimizer\" : \"msam-adamw\""), json);
        assertEquals(Optimizer.MSAM_ADAMW, Json.read(json, RunConfig.class).optimizer);
        assertEquals(Optimizer.MSAM_ADAMW, c.copy().optimizer);
    }

    @Test
    void theCatalogIsTheRegistryOverEveryBase() {
        assertEquals(3 + 3 * Rules.all().size(), Optimizer.names().size());
        for (org.msam.rules.RuleSpec r : Rules.all()) {
            for (Base b : Base.values()) {
                Optimizer o = Optimizer.of(r, b);
                assertEquals(o, Optimizer.parse(o.name()));
                assertEquals(o, Optimizer.fromCli(r.name(), b.cliName()));
                assertEquals(r.configClass(), o.updater(hyper(0.9)).getClass());
            }
        }
    }

    @Test
    void aRuleSettingRoundTripsThroughConfigJsonAsItsOwnField() throws Exception {
        RunConfig c = new RunConfig();
        c.optimizer = Optimizer.parse("mesa");
        c.set("emaDecay", 0.99).set("mesaStartEpoch", 2);
        String json = Json.write(c);
        assertTrue(json.contains("\"emaDecay\" : 0.99") && json.contains("\"mesaStartEpoch\" : 2"), json);
        RunConfig back = Json.read(json, RunConfig.class);
        assertEquals(c.ruleSettings(), back.ruleSettings());
        assertTrue(back.sameRun(c));
        // the earlier form wrote every rule's field, null when not given
        RunConfig earlier = Json.read(json.replace("\"emaDecay\" : 0.99", "\"emaDecay\" : 0.99, \"adaptiveEta\" : null, "
                + "\"weightFraction\" : null"), RunConfig.class);
        assertTrue(earlier.sameRun(c));
    }
}
