package org.msam.examples.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.msam.dl4j.Accumulation;
import org.msam.dl4j.DecoupledWeightDecay;
import org.msam.dl4j.SharpnessAware;
import org.msam.rules.Base;
import org.msam.rule.Need;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;
import org.msam.rules.Settings;
import org.msam.schedule.OffThenOnSchedule;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

/**
 * The catalog of optimizers shared by the example program and the benchmarks: a base optimizer ({@link Base}: SGD
 * with heavy-ball momentum, Nesterov, AdamW) alone, or a sharpness-aware rule of the registry ({@link Rules}) over
 * it. Every behaviour (which updater, whether the sharpness-aware listener is needed, coupled or decoupled weight
 * decay) follows from these two values and from what the rule's {@link RuleSpec} declares.
 *
 * <p>Names: a plain optimizer is named by its base ({@code sgd}, {@code nag}, {@code adamw}); a sharpness-aware
 * one by its rule's name over SGD ({@code sam}, {@code msam}, ..., every name of {@link Rules#names()}) and by
 * {@code <rule>-<base>} otherwise ({@code msam-adamw}, {@code sam-adamw}, {@code asam-nag}, ...). {@link #parse} also
 * reads the benchmarks' earlier spellings ({@code msamAdamW}, {@code msamSgd}, {@code sgdMomentum},
 * {@code sgdNesterov}), so that results recorded under them stay readable.
 */
public final class Optimizer {
    /** {@code sgd}. */
    public static final Optimizer SGD = new Optimizer(null, Base.SGD);
    /** {@code nag}. */
    public static final Optimizer NAG = new Optimizer(null, Base.NAG);
    /** {@code adamw}. */
    public static final Optimizer ADAMW = new Optimizer(null, Base.ADAMW);
    /** {@code sam}: SAM over SGD. */
    public static final Optimizer SAM = new Optimizer(Rules.get("sam"), Base.SGD);
    /** {@code asam}: adaptive SAM over SGD. */
    public static final Optimizer ASAM = new Optimizer(Rules.get("asam"), Base.SGD);
    /** {@code msam}: MSAM over SGD. */
    public static final Optimizer MSAM = new Optimizer(Rules.get("msam"), Base.SGD);
    /** {@code msam-adamw}: MSAM over AdamW. */
    public static final Optimizer MSAM_ADAMW = new Optimizer(Rules.get("msam"), Base.ADAMW);

    private static final Map<String, Optimizer> BY_NAME = new LinkedHashMap<>();
    private static final Map<String, Optimizer> LEGACY = Map.of("msamadamw", MSAM_ADAMW, "msamsgd", MSAM,
            "sgdmomentum", SGD, "sgdnesterov", NAG);

    static {
        for (Base b : Base.values()) {
            BY_NAME.put(b.cliName(), plain(b));
        }
        for (RuleSpec r : Rules.all()) {
            for (Base b : Base.values()) {
                Optimizer o = new Optimizer(r, b);
                BY_NAME.put(o.name(), o);
            }
        }
    }

    private final RuleSpec rule;
    private final Base base;

    private Optimizer(RuleSpec rule, Base base) {
        this.rule = rule;
        this.base = Objects.requireNonNull(base, "base");
    }

    /**
     * @param rule a registered rule
     * @param base the base optimizer
     * @return the rule over the base
     */
    public static Optimizer of(RuleSpec rule, Base base) {
        return new Optimizer(Objects.requireNonNull(rule, "rule"), base);
    }

    /** @param base the base optimizer @return it alone */
    public static Optimizer plain(Base base) {
        return new Optimizer(null, base);
    }

    /** @return every optimizer of the catalog, plain ones first */
    public static List<Optimizer> all() {
        return Collections.unmodifiableList(new ArrayList<>(BY_NAME.values()));
    }

    /** @return the registered rules' names, for messages ({@code sam, asam, msam, ...}) */
    static String methods() {
        return String.join(", ", Rules.names());
    }

    /** @return the valid names, in words, for messages */
    public static String validNames() {
        return "sgd, nag, adamw, " + methods() + ", or a method over another base as <method>-nag or <method>-adamw "
                + "(e.g. msam-adamw)";
    }

    /** @return the names {@link #parse} accepts (without the earlier spellings) */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /**
     * @param name a name of the catalog ({@code msam-adamw}, ...), a rule's alias, or an earlier spelling
     *             ({@code msamAdamW})
     * @return the optimizer
     * @throws IllegalArgumentException listing the valid names
     */
    @JsonCreator
    public static Optimizer parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        Optimizer o = BY_NAME.get(n);
        if (o == null) {
            o = LEGACY.get(n);
        }
        if (o == null) {
            o = byAlias(n);
        }
        if (o == null) {
            throw new IllegalArgumentException("Unknown optimizer '" + name + "'" + didYouMean(name) + "; valid names: "
                    + validNames());
        }
        return o;
    }

    /** @return a rule's alias alone or followed by {@code -<base>}, else null */
    private static Optimizer byAlias(String n) {
        for (Base b : Base.values()) {
            String suffix = "-" + b.cliName();
            if (n.endsWith(suffix)) {
                return Rules.find(n.substring(0, n.length() - suffix.length())).map(r -> of(r, b)).orElse(null);
            }
        }
        return Rules.find(n).map(r -> of(r, Base.SGD)).orElse(null);
    }

    /**
     * @param name a name that is not in the catalog
     * @return {@code " (did you mean 'msam'?)"} for the closest name within two edits, else ""
     */
    static String didYouMean(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = 3;
        for (String candidate : BY_NAME.keySet()) {
            int d = editDistance(n, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best == null || n.isEmpty() ? "" : " (did you mean '" + best + "'?)";
    }

    /** @return the Levenshtein distance of two strings */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The command line's composition: {@code --optimizer} names a base or a rule, with {@code --base} for the rules;
     * a combined name such as {@code msam-adamw} is accepted for {@code --optimizer} too.
     *
     * @param optimizer the {@code --optimizer} value
     * @param base      the {@code --base} value, or null (SGD for the sharpness-aware ones)
     * @return the optimizer
     * @throws IllegalArgumentException for an unknown name, or a {@code --base} that contradicts the optimizer
     */
    public static Optimizer fromCli(String optimizer, String base) {
        Optimizer o;
        try {
            o = parse(optimizer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown --optimizer '" + optimizer + "'" + didYouMean(optimizer)
                    + "; valid names: sgd, nag, adamw, " + methods() + " (with --base sgd|nag|adamw for the methods), "
                    + "or a combined name such as msam-adamw");
        }
        if (base == null) {
            return o;
        }
        Base b = Base.parse(base);
        if (o.rule == null) {
            if (o.base != b) {
                throw new IllegalArgumentException("--base " + base + " contradicts --optimizer " + optimizer
                        + ": --base applies to the sharpness-aware methods (" + methods() + "); for a plain "
                        + "optimizer write --optimizer " + b.cliName() + " alone");
            }
            return o;
        }
        if (o.base != Base.SGD && o.base != b) {
            throw new IllegalArgumentException("--base " + base + " contradicts --optimizer " + optimizer
                    + ": write --optimizer " + o.rule.name() + " --base " + b.cliName());
        }
        return of(o.rule, b);
    }

    /** @return the sharpness-aware rule, or null for a plain optimizer */
    public RuleSpec rule() {
        return rule;
    }

    /** @return the base optimizer */
    public Base base() {
        return base;
    }

    /** @return the same rule over another base (a plain optimizer: that base alone) */
    public Optimizer over(Base other) {
        return new Optimizer(rule, other);
    }

    /** @return the name: the base's for a plain optimizer, the rule's over SGD, else rule-base */
    @JsonValue
    public String name() {
        if (rule == null) {
            return base.cliName();
        }
        return base == Base.SGD ? rule.name() : rule.name() + "-" + base.cliName();
    }

    /** @return true for the rules of the registry, which need {@code SharpnessAware.install} */
    public boolean sharpnessAware() {
        return rule != null;
    }

    /** @return true for the rules with a perturbation radius ρ */
    public boolean takesRho() {
        return rule != null && rule.takesRho();
    }

    /** @param need a need @return whether this optimizer's rule declares it (false for a plain optimizer) */
    public boolean needs(Need need) {
        return rule != null && rule.needs(need);
    }

    /** @return true when the weight decay is DL4J's coupled l2 (SGD bases); false for AdamW's decoupled decay */
    public boolean coupledDecay() {
        return base.coupledDecay();
    }

    /** @return the rule's default ρ (NaN for the optimizers without one) */
    public double defaultRho() {
        return takesRho() ? rule.defaultRho() : Double.NaN;
    }

    /**
     * ρ when none is given, per model family: for MSAM (any base) on the small models the value measured best on them
     * (the paper's ρ = 3 is for WRN, ResNet and ViT and breaks the small ones: README, "Choosing ρ"), otherwise
     * {@link #defaultRho()}.
     *
     * @param model the model name ({@code --model})
     * @return the default ρ of this optimizer on that model
     */
    public double defaultRho(String model) {
        if (MSAM.rule.equals(rule) && model != null) {
            switch (model) {
                case "small-cnn":
                    return SMALL_CNN_MSAM_RHO;
                case "mlp":
                    return MLP_MSAM_RHO;
                default:
                    break;
            }
        }
        return defaultRho();
    }

    /** MSAM's default ρ on the small CNN, from the grid in the README ("Choosing ρ"). */
    public static final double SMALL_CNN_MSAM_RHO = 0.3;
    /** MSAM's default ρ on the MLP, from the grid of docs/RESULTS.md (ρ 0.3, 1, 3 over three seeds). */
    public static final double MLP_MSAM_RHO = 1.0;

    /**
     * The updater configuration of this optimizer; only the chosen optimizer is built.
     *
     * @param h the hyper-parameters
     * @return the updater
     * @throws IllegalArgumentException from the configurations' builders for a value out of range
     */
    public IUpdater updater(Hyper h) {
        IUpdater b = base.updater(h.learningRate, h.fixedLearningRate, h.momentum, h.weightDecay);
        if (rule == null) {
            return b;
        }
        Settings s = Settings.defaults().setAll(h.rule).seed(h.seed);
        if (rule.takesRho()) {
            double rho = h.rho == null ? defaultRho() : h.rho;
            s.set(Rules.RHO, rho);
            if (h.rhoOffEpochs > 0 && rule.takesRhoSchedule()) {
                s.rhoSchedule(new OffThenOnSchedule(ScheduleType.EPOCH, h.rhoOffEpochs, rho));
            }
        }
        return rule.updater(b, s);
    }

    /**
     * Installs what the optimizer needs on an initialised network: {@code SharpnessAware.install} (with the
     * listeners) for the sharpness-aware ones, else the listeners and, for AdamW, {@code DecoupledWeightDecay.install}.
     *
     * @param net       the initialised network
     * @param listeners the listeners to train with
     */
    public void install(Model net, TrainingListener... listeners) {
        install(net, 1, listeners);
    }

    /**
     * Installs what the optimizer needs, with gradient accumulation: for {@code accumulate} &gt; 1 every optimizer,
     * plain ones too, goes through {@code SharpnessAware.install(net, Accumulation.steps(accumulate), ...)} (which
     * also arranges AdamW's decoupled decay).
     *
     * @param net        the initialised network
     * @param accumulate micro-batches per optimizer step (1: none)
     * @param listeners  the listeners to train with
     */
    public void install(Model net, int accumulate, TrainingListener... listeners) {
        if (accumulate > 1) {
            Accumulation a = Accumulation.steps(accumulate);
            if (net instanceof MultiLayerNetwork) {
                SharpnessAware.install((MultiLayerNetwork) net, a, listeners);
            } else {
                SharpnessAware.install((ComputationGraph) net, a, listeners);
            }
            return;
        }
        if (sharpnessAware()) {
            if (net instanceof MultiLayerNetwork) {
                SharpnessAware.install((MultiLayerNetwork) net, listeners);
            } else {
                SharpnessAware.install((ComputationGraph) net, listeners);
            }
        } else {
            net.setListeners(listeners);
            if (!base.coupledDecay()) {
                DecoupledWeightDecay.install(net);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Optimizer && Objects.equals(((Optimizer) o).rule, rule) && ((Optimizer) o).base == base;
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(rule) * 31 + base.hashCode();
    }

    @Override
    public String toString() {
        return name();
    }

    /** The hyper-parameters an {@link Optimizer} is built with. */
    public static final class Hyper {
        final ISchedule learningRate;
        final double fixedLearningRate;
        final double momentum;
        final double weightDecay;
        Double rho;
        int rhoOffEpochs;
        final Map<String, Number> rule = new LinkedHashMap<>();
        long seed = 1;

        /**
         * @param learningRate the learning-rate schedule
         * @param momentum     momentum of SGD/NAG, β1 of AdamW
         * @param weightDecay  AdamW's decoupled weight decay (the SGD bases take theirs as DL4J l2)
         */
        public Hyper(ISchedule learningRate, double momentum, double weightDecay) {
            this.learningRate = learningRate;
            this.fixedLearningRate = Double.NaN;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
        }

        /**
         * @param learningRate a constant learning rate
         * @param momentum     momentum of SGD/NAG, β1 of AdamW
         * @param weightDecay  AdamW's decoupled weight decay (the SGD bases take theirs as DL4J l2)
         */
        public Hyper(double learningRate, double momentum, double weightDecay) {
            this.learningRate = null;
            this.fixedLearningRate = learningRate;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
        }

        /** @param rho ρ of the sharpness-aware methods (null: {@link Optimizer#defaultRho()}) @return this */
        public Hyper rho(Double rho) {
            this.rho = rho;
            return this;
        }

        /** @param epochs ρ is 0 for this many epochs, then full (the rules with a ρ schedule) @return this */
        public Hyper rhoOffEpochs(int epochs) {
            this.rhoOffEpochs = epochs;
            return this;
        }

        /**
         * @param name  a hyperparameter of the rule ({@link org.msam.rules.Hyperparameter#name()}) other than ρ
         * @param value its value (null: the rule's default)
         * @return this
         */
        public Hyper set(String name, Number value) {
            if (value == null) {
                rule.remove(name);
            } else {
                rule.put(name, value);
            }
            return this;
        }

        /** @param values hyperparameters of the rule by name (null values: the default) @return this */
        public Hyper setAll(Map<String, ? extends Number> values) {
            values.forEach(this::set);
            return this;
        }

        /** @param seed the run's seed (the rules that draw random numbers: ESAM's weight masks) @return this */
        public Hyper seed(long seed) {
            this.seed = seed;
            return this;
        }
    }
}
