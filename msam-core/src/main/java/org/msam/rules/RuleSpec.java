package org.msam.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

import org.msam.config.SgdMomentum;
import org.msam.rule.Need;
import org.msam.rule.SharpnessAwareConfig;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The one description of a sharpness-aware rule that the example program, the benchmarks, the README and the tests
 * read: its names, its hyperparameters, how its updater configuration is built over a base optimizer, and what it
 * needs from a host ({@link Need}, as the configuration declares it). The rule's maths lives in its {@code
 * org.msam.rule} class and its configuration in {@code org.msam.config}; this is the catalog entry, registered in
 * {@link Rules}.
 *
 * <p>Ranges are checked once, by the configuration's builder: {@link #problem} builds the configuration with the one
 * value and reports a refusal in the hyperparameter's option ({@link Hyperparameter#outOfRange}).
 */
public final class RuleSpec {
    private final String name;
    private final List<String> aliases;
    private final String title;
    private final String summary;
    private final List<Hyperparameter> hyperparameters;
    private final Set<Need> needs;
    private final RhoScale rhoScale;
    private final boolean rhoSchedule;
    private final Class<? extends IUpdater> configClass;
    private final BiFunction<IUpdater, Settings.Resolved, IUpdater> build;
    private final int[] buffers;

    private RuleSpec(Builder b) {
        this.name = Objects.requireNonNull(b.name, "name");
        this.aliases = List.copyOf(b.aliases);
        this.title = Objects.requireNonNull(b.title, "title of " + b.name);
        this.summary = Objects.requireNonNull(b.summary, "summary of " + b.name);
        this.hyperparameters = List.copyOf(b.hyperparameters.values());
        this.rhoScale = b.rhoScale;
        this.rhoSchedule = b.rhoSchedule;
        this.configClass = Objects.requireNonNull(b.configClass, "configuration class of " + b.name);
        this.build = Objects.requireNonNull(b.build, "build of " + b.name);
        this.buffers = b.buffers.clone();
        if ((rhoScale != null) != b.hyperparameters.containsKey(Rules.RHO)) {
            throw new IllegalArgumentException(name + ": a rule with a ρ hyperparameter declares its RhoScale, and "
                    + "only such a rule");
        }
        if (rhoSchedule && rhoScale == null) {
            throw new IllegalArgumentException(name + ": a ρ schedule needs a ρ hyperparameter");
        }
        IUpdater defaults = build.apply(CHECK_BASE, new Settings.Resolved(this, Settings.defaults()));
        if (!(defaults instanceof SharpnessAwareConfig)) {
            throw new IllegalArgumentException(name + " builds " + defaults.getClass().getSimpleName()
                    + ", which is not a SharpnessAwareConfig");
        }
        this.needs = Collections.unmodifiableSet(EnumSet.copyOf(((SharpnessAwareConfig) defaults).needs()));
    }

    /**
     * @param name the rule's name on the command line ({@code msam})
     * @return a builder of the description
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** @return the name on the command line ({@code --optimizer}), lower case */
    public String name() {
        return name;
    }

    /** @return other names {@link Rules#find} accepts for this rule */
    public List<String> aliases() {
        return aliases;
    }

    /** @return the rule's name in prose ({@code adaptive MSAM}) */
    public String title() {
        return title;
    }

    /** @return what the rule does and where it comes from, in a sentence */
    public String summary() {
        return summary;
    }

    /** @return its hyperparameters, ρ first when it has one */
    public List<Hyperparameter> hyperparameters() {
        return hyperparameters;
    }

    /**
     * @param name a hyperparameter's name
     * @return it
     * @throws IllegalArgumentException when the rule has no such hyperparameter
     */
    public Hyperparameter hyperparameter(String name) {
        return findHyperparameter(name).orElseThrow(() -> new IllegalArgumentException(this.name + " has no "
                + "hyperparameter '" + name + "'; it has " + hyperparameterNames()));
    }

    /** @param name a hyperparameter's name @return it, when the rule has it */
    public Optional<Hyperparameter> findHyperparameter(String name) {
        return hyperparameters.stream().filter(h -> h.name().equals(name)).findFirst();
    }

    private List<String> hyperparameterNames() {
        List<String> n = new ArrayList<>();
        hyperparameters.forEach(h -> n.add(h.name()));
        return n;
    }

    /**
     * @return what the rule needs from a host: read from the configuration it builds with its default settings
     *     ({@link SharpnessAwareConfig#needs()}), not declared again here
     */
    public Set<Need> needs() {
        return needs;
    }

    /** @param need a need @return whether the rule has it */
    public boolean needs(Need need) {
        return needs.contains(need);
    }

    /** @return true when the rule has a perturbation radius ρ ({@value Rules#RHO}) */
    public boolean takesRho() {
        return rhoScale != null;
    }

    /** @return the rule's default ρ (NaN for a rule without one) */
    public double defaultRho() {
        return takesRho() ? hyperparameter(Rules.RHO).defaultValue().doubleValue() : Double.NaN;
    }

    /** @return the published scale of its ρ, or null for a rule without one */
    public RhoScale rhoScale() {
        return rhoScale;
    }

    /** @return true when ρ may follow a schedule ({@link Settings#rhoSchedule}) */
    public boolean takesRhoSchedule() {
        return rhoSchedule;
    }

    /**
     * The parameter-sized buffers the rule and its driver keep beyond the updater state (which DL4J allocates and
     * reports itself), as multiples of the model's sizes: n, the trainable parameters; N, the normalisation layers'
     * γ and β; S, the parameters without an updater (BatchNorm's running statistics).
     *
     * @param trainable     n, the trainable parameters
     * @param normalization N, the normalisation layers' γ and β
     * @param statistics    S, the parameters without an updater
     * @return the elements of those buffers
     */
    public long bufferElements(long trainable, long normalization, long statistics) {
        return buffers[0] * trainable + buffers[1] * normalization + buffers[2] * statistics;
    }

    /** @return the class of the updater configuration it builds ({@code org.msam.config.Msam}) */
    public Class<? extends IUpdater> configClass() {
        return configClass;
    }

    /**
     * @param base     the base optimizer's configuration
     * @param settings the hyperparameters (the rule's defaults for those not given), the seed, the ρ schedule
     * @return the rule's updater configuration over the base
     * @throws IllegalArgumentException from the configuration's builder for a value out of its range, or for a
     *                                  hyperparameter the rule does not have
     */
    public IUpdater updater(IUpdater base, Settings settings) {
        for (String n : settings.values().keySet()) {
            hyperparameter(n);
        }
        if (settings.rhoSchedule() != null && !rhoSchedule) {
            throw new IllegalArgumentException(name + " takes no ρ schedule");
        }
        return build.apply(base, new Settings.Resolved(this, settings));
    }

    /**
     * Checks one value with the configuration's builder (over SGD with momentum 0.9, every other hyperparameter at
     * its default).
     *
     * @param h     one of the rule's hyperparameters
     * @param value a value for it
     * @return the problem in the option's words ({@code --ema-decay must be in [0, 1), got 1.0}), when the builder
     *     refuses the value
     */
    public Optional<String> problem(Hyperparameter h, Number value) {
        try {
            updater(CHECK_BASE, Settings.defaults().set(h.name(), value));
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(h.outOfRange(value));
        }
    }

    /**
     * @param settings the hyperparameters given
     * @return the problems of the values the rule's builder refuses, in the options' words (empty when valid)
     */
    public List<String> problems(Settings settings) {
        List<String> p = new ArrayList<>();
        for (Map.Entry<String, Number> e : settings.values().entrySet()) {
            problem(hyperparameter(e.getKey()), e.getValue()).ifPresent(p::add);
        }
        return p;
    }

    private static final IUpdater CHECK_BASE = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    @Override
    public String toString() {
        return name;
    }

    /** Builds a {@link RuleSpec}. */
    public static final class Builder {
        private final String name;
        private final List<String> aliases = new ArrayList<>();
        private String title;
        private String summary;
        private final Map<String, Hyperparameter> hyperparameters = new LinkedHashMap<>();
        private RhoScale rhoScale;
        private boolean rhoSchedule;
        private Class<? extends IUpdater> configClass;
        private BiFunction<IUpdater, Settings.Resolved, IUpdater> build;
        private int[] buffers = new int[3];

        private Builder(String name) {
            this.name = name;
        }

        /** @param names other names of the rule @return this */
        public Builder aliases(String... names) {
            aliases.addAll(List.of(names));
            return this;
        }

        /**
         * @param title   the rule's name in prose
         * @param summary what it does and where it comes from, in a sentence
         * @return this
         */
        public Builder describedAs(String title, String summary) {
            this.title = title;
            this.summary = summary;
            return this;
        }

        /**
         * @param defaultRho the rule's default ρ
         * @param range      the values of ρ its builder accepts
         * @param scale      the published scale of its ρ
         * @return this, with the hyperparameter ρ ({@code --rho})
         */
        public Builder rho(double defaultRho, Range range, RhoScale scale) {
            this.rhoScale = scale;
            return hyperparameter(Hyperparameter.real(Rules.RHO, "--rho", "ρ", defaultRho, range,
                    "the perturbation radius"));
        }

        /** @return this, with ρ following a schedule when one is given ({@link Settings#rhoSchedule}) */
        public Builder rhoSchedule() {
            this.rhoSchedule = true;
            return this;
        }

        /** @param h a hyperparameter @return this */
        public Builder hyperparameter(Hyperparameter h) {
            if (hyperparameters.put(h.name(), h) != null) {
                throw new IllegalArgumentException(name + " declares " + h.name() + " twice");
            }
            return this;
        }

        /**
         * Declares the buffers of {@link RuleSpec#bufferElements} (none by default).
         *
         * @param trainable     copies of the trainable parameters (θ, T, a gradient)
         * @param normalization copies of the normalisation layers' γ and β
         * @param statistics    copies of the parameters without an updater (running statistics)
         * @return this
         */
        public Builder buffers(int trainable, int normalization, int statistics) {
            this.buffers = new int[] {trainable, normalization, statistics};
            return this;
        }

        /** @param first a need @param more more @return this */

        /**
         * @param configClass the configuration class it builds
         * @param build       builds the configuration over a base from the resolved settings
         * @param <C>         the configuration's type
         * @return this
         */
        public <C extends IUpdater> Builder builds(Class<C> configClass,
                                                  BiFunction<IUpdater, Settings.Resolved, C> build) {
            this.configClass = configClass;
            this.build = build::apply;
            return this;
        }

        /** @return the description */
        public RuleSpec build() {
            return new RuleSpec(this);
        }
    }
}
