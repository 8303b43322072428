package org.msam.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.msam.config.Esam;
import org.msam.config.FreePerturbation;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.rule.Need;

/**
 * The registry of sharpness-aware rules: one {@link RuleSpec} per rule, in the order the command line, the tables and
 * the tests list them. Adding a rule costs its configuration ({@code org.msam.config}), its rule and updater, and one
 * entry here; the example program's options, validation and help, the benchmarks' lists, the README's table and the
 * contract tests read the entry.
 */
public final class Rules {
    /** The name of the perturbation radius ρ, shared by every rule that has one. */
    public static final String RHO = "rho";

    private static final Hyperparameter ASAM_ETA = Hyperparameter.real("adaptiveEta", "--adaptive-eta", "η_a",
            Sam.DEFAULT_ADAPTIVE_ETA, Range.atLeast(0), "the offset of the adaptive scaling |θ| + η_a");
    private static final Hyperparameter AMSAM_ETA = Hyperparameter.real("adaptiveEta", "--adaptive-eta", "η_a",
            Msam.DEFAULT_ADAPTIVE_ETA, Range.atLeast(0), "the offset of the adaptive scaling (|θ| + η_a)²");

    private static final List<RuleSpec> ALL = List.of(
            RuleSpec.builder("sam")
                    .describedAs("SAM", "SAM (Foret et al. 2021): the gradient at θ + ρ·g/‖g‖, two passes per step")
                    .rho(Sam.DEFAULT_RHO, Range.atLeast(0), RhoScale.SAM)
                    .buffers(1, 0, 1) // θ, and the first pass's running-statistic updates
                    .builds(Sam.class, (b, s) -> Sam.builder().base(b).rho(s.real(RHO)).build())
                    .build(),
            RuleSpec.builder("asam")
                    .describedAs("adaptive SAM", "Adaptive SAM (Kwon et al. 2021): SAM with a perturbation scaled by "
                            + "|θ| + η_a, two passes per step")
                    .rho(0.5, Range.atLeast(0), RhoScale.ADAPTIVE_SAM)
                    .hyperparameter(ASAM_ETA)
                    .buffers(2, 0, 1) // θ and T, and the running-statistic updates
                    .builds(Sam.class, (b, s) -> Sam.builder().base(b).rho(s.real(RHO)).adaptive(true)
                            .adaptiveEta(s.real(ASAM_ETA.name())).build())
                    .build(),
            RuleSpec.builder("msam")
                    .describedAs("MSAM", "Momentum-SAM: the gradient at θ − ρ·v/‖v‖, one pass per step")
                    .rho(Msam.DEFAULT_RHO, Range.finite(), RhoScale.MSAM).rhoSchedule()
                    .builds(Msam.class, (b, s) -> msam(b, s, false, false))
                    .build(),
            RuleSpec.builder("amsam")
                    .describedAs("adaptive MSAM", "Adaptive MSAM: MSAM with a perturbation scaled by (|θ| + η_a)², one "
                            + "pass per step")
                    .rho(Msam.DEFAULT_RHO, Range.finite(), RhoScale.MSAM).rhoSchedule()
                    .hyperparameter(AMSAM_ETA)
                    .buffers(2, 0, 0) // e and T
                    .builds(Msam.class, (b, s) -> msam(b, s, true, false))
                    .build(),
            RuleSpec.builder("bnsam")
                    .describedAs("BN-only SAM", "BN-only SAM (Mueller et al. 2023): SAM's perturbation on the "
                            + "normalisation layers' γ and β only, two passes per step")
                    .rho(Sam.DEFAULT_RHO, Range.atLeast(0), RhoScale.SAM)
                    .buffers(0, 1, 1) // γ and β, and the running-statistic updates
                    .builds(Sam.class, (b, s) -> Sam.builder().base(b).rho(s.real(RHO)).normalizationOnly(true)
                            .build())
                    .build(),
            RuleSpec.builder("bnmsam")
                    .describedAs("BN-only MSAM", "BN-only MSAM: MSAM's perturbation on the normalisation layers' γ and "
                            + "β only, one pass per step")
                    .rho(Msam.DEFAULT_RHO, Range.finite(), RhoScale.MSAM).rhoSchedule()
                    .builds(Msam.class, (b, s) -> msam(b, s, false, true))
                    .build(),
            RuleSpec.builder("looksam")
                    .describedAs("LookSAM", "LookSAM (Liu et al. 2022): a SAM step every k iterations, the last one's "
                            + "g_v (weighted by α) in between")
                    .rho(LookSam.DEFAULT_RHO, Range.atLeast(0), RhoScale.SAM)
                    .hyperparameter(Hyperparameter.integer("lookSamPeriod", "--looksam-period", "k",
                            LookSam.DEFAULT_PERIOD, Range.atLeast(1), "a SAM step every k iterations"))
                    .hyperparameter(Hyperparameter.real("lookSamAlpha", "--looksam-alpha", "α",
                            LookSam.DEFAULT_ALPHA, Range.atLeast(0), "the weight of g_v between SAM steps"))
                    .buffers(2, 0, 1) // θ and the first gradient, and the running-statistic updates
                    .builds(LookSam.class, (b, s) -> LookSam.builder().base(b).rho(s.real(RHO))
                            .period(s.integer("lookSamPeriod")).alpha(s.real("lookSamAlpha")).build())
                    .build(),
            RuleSpec.builder("esam")
                    .describedAs("ESAM", "ESAM (Du et al. 2022b): SAM with a fraction β of the variables perturbed and "
                            + "the second pass on the fraction γ of the mini-batch whose loss rises most")
                    .rho(Esam.DEFAULT_RHO, Range.atLeast(0), RhoScale.SAM)
                    .hyperparameter(Hyperparameter.real("weightFraction", "--weight-fraction", "β",
                            Esam.DEFAULT_WEIGHT_FRACTION, Range.between(0, false, 1, true),
                            "the fraction of variables perturbed"))
                    .hyperparameter(Hyperparameter.real("sampleFraction", "--sample-fraction", "γ",
                            Esam.DEFAULT_SAMPLE_FRACTION, Range.between(0, false, 1, true),
                            "the fraction of the mini-batch of the second pass"))
                    .buffers(1, 0, 1) // SAM's
                    .builds(Esam.class, (b, s) -> Esam.builder().base(b).rho(s.real(RHO))
                            .weightFraction(s.real("weightFraction")).sampleFraction(s.real("sampleFraction"))
                            .seed(s.seed()).build())
                    .build(),
            RuleSpec.builder("mesa")
                    .describedAs("MESA", "MESA (Du et al. 2022a): distillation from the EMA of the weights, one pass "
                            + "per step and a teacher forward pass")
                    .hyperparameter(Hyperparameter.real("mesaLambda", "--mesa-lambda", "λ", Mesa.DEFAULT_LAMBDA,
                            Range.atLeast(0), "the weight of the distillation term"))
                    .hyperparameter(Hyperparameter.real("mesaTemperature", "--temperature", "τ",
                            Mesa.DEFAULT_TEMPERATURE, Range.above(0), "the temperature of both softmaxes"))
                    .hyperparameter(Hyperparameter.real("emaDecay", "--ema-decay", "β_e", Mesa.DEFAULT_EMA_DECAY,
                            Range.between(0, true, 1, false), "the decay per step of the EMA of the weights"))
                    .hyperparameter(Hyperparameter.integer("mesaStartEpoch", "--mesa-start-epoch", "E_start",
                            Mesa.DEFAULT_START_EPOCH, Range.atLeast(0),
                            "the first epoch (0-based) of the distillation term"))
                    .buffers(1, 0, 1) // the inference copy of the network that the teacher pass runs on
                    .builds(Mesa.class, (b, s) -> Mesa.builder().base(b).lambda(s.real("mesaLambda"))
                            .temperature(s.real("mesaTemperature")).emaDecay(s.real("emaDecay"))
                            .startEpoch(s.integer("mesaStartEpoch")).build())
                    .build(),
            free("lastgrad", FreePerturbation.Direction.LAST_GRADIENT, false),
            free("neglastgrad", FreePerturbation.Direction.NEGATIVE_LAST_GRADIENT, false),
            free("randdir", FreePerturbation.Direction.RANDOM, false),
            free("rlastgrad", FreePerturbation.Direction.LAST_GRADIENT, true),
            free("rneglastgrad", FreePerturbation.Direction.NEGATIVE_LAST_GRADIENT, true),
            free("rranddir", FreePerturbation.Direction.RANDOM, true));

    private Rules() {
    }

    /** One of the paper's gradient-free perturbations (Appendix A.6), MSAM's scheme along another direction. */
    private static RuleSpec free(String name, FreePerturbation.Direction d, boolean relative) {
        String direction = d == FreePerturbation.Direction.LAST_GRADIENT ? "the previous step's gradient"
                : d == FreePerturbation.Direction.NEGATIVE_LAST_GRADIENT ? "the negative previous gradient"
                : "a Gaussian random direction";
        String symbol = d == FreePerturbation.Direction.LAST_GRADIENT ? "g" : d == FreePerturbation.Direction.RANDOM
                ? "ξ" : "−g";
        String x = relative ? "|θ|⊙" + (symbol.startsWith("−") ? "(" + symbol + ")" : symbol) : symbol;
        return RuleSpec.builder(name)
                .describedAs((relative ? "relative " : "") + (d == FreePerturbation.Direction.LAST_GRADIENT
                        ? "last-gradient" : d == FreePerturbation.Direction.RANDOM ? "random"
                        : "negative last-gradient") + " perturbation",
                        "Paper A.6: MSAM's scheme along " + direction + (relative ? ", scaled by |θ|" : "")
                                + ": the gradient at θ − ρ·" + x + "/‖" + x + "‖, one pass per step")
                .rho(FreePerturbation.DEFAULT_RHO, Range.finite(), RhoScale.MSAM).rhoSchedule()
                .buffers(relative ? 1 : 0, 0, 0) // |θ| while e is computed (e and the last gradient are state)
                .builds(FreePerturbation.class, (b, s) -> {
                    FreePerturbation.Builder f = FreePerturbation.builder().base(b).direction(d).relative(relative)
                            .rho(s.real(RHO)).seed(s.seed());
                    if (s.rhoSchedule() != null) {
                        f.rhoSchedule(s.rhoSchedule());
                    }
                    return f.build();
                })
                .build();
    }

    private static Msam msam(org.nd4j.linalg.learning.config.IUpdater base, Settings.Resolved s, boolean adaptive,
                             boolean normalizationOnly) {
        Msam.Builder m = Msam.builder().base(base).rho(s.real(RHO)).normalizationOnly(normalizationOnly);
        if (adaptive) {
            m.adaptive(true).adaptiveEta(s.real(AMSAM_ETA.name()));
        }
        if (s.rhoSchedule() != null) {
            m.rhoSchedule(s.rhoSchedule());
        }
        return m.build();
    }

    /** @return every registered rule, in the registry's order */
    public static List<RuleSpec> all() {
        return ALL;
    }

    /** @return the rules' names, in the registry's order */
    public static List<String> names() {
        return ALL.stream().map(RuleSpec::name).collect(Collectors.toList());
    }

    /**
     * @param name a rule's name or alias (any case)
     * @return the rule, when registered
     */
    public static Optional<RuleSpec> find(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(r -> r.name().equals(n) || r.aliases().contains(n)).findFirst();
    }

    /**
     * @param name a rule's name or alias (any case)
     * @return the rule
     * @throws IllegalArgumentException listing the registered names
     */
    public static RuleSpec get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("Unknown rule '" + name + "'; registered "
                + "rules: " + String.join(", ", names())));
    }

    /** @return the rules with a need, in the registry's order */
    public static List<RuleSpec> needing(Need need) {
        return ALL.stream().filter(r -> r.needs(need)).collect(Collectors.toList());
    }

    /**
     * @return every hyperparameter name of the registered rules, each with the rules that declare it, in the order of
     *     first declaration (ρ first)
     */
    public static Map<String, List<RuleSpec>> hyperparameters() {
        Map<String, List<RuleSpec>> m = new LinkedHashMap<>();
        for (RuleSpec r : ALL) {
            for (Hyperparameter h : r.hyperparameters()) {
                m.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(r);
            }
        }
        return m;
    }

    /** @return the simple names of the rules' configuration classes, each once, for messages ({@code Sam, Msam}) */
    public static String configurationNames() {
        return ALL.stream().map(r -> r.configClass().getSimpleName()).distinct().collect(Collectors.joining(", "));
    }
}
