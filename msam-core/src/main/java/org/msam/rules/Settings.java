package org.msam.rules;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * The values a rule's configuration is built with ({@link RuleSpec#updater}): the hyperparameters given (by
 * {@link Hyperparameter#name()}; the rule's default for the others), the run's seed (for the rules that draw random
 * numbers) and an optional schedule of ρ (for the rules that take one, {@link RuleSpec#takesRhoSchedule()}).
 */
public final class Settings {
    private final Map<String, Number> values = new LinkedHashMap<>();
    private long seed = 1;
    private ISchedule rhoSchedule;

    /** @return empty settings: every hyperparameter at its rule's default, seed 1, a constant ρ */
    public static Settings defaults() {
        return new Settings();
    }

    /**
     * @param name  a hyperparameter's name
     * @param value its value, or null for the rule's default
     * @return this
     */
    public Settings set(String name, Number value) {
        if (value == null) {
            values.remove(name);
        } else {
            values.put(name, value);
        }
        return this;
    }

    /** @param values hyperparameters by name (null values: the default) @return this */
    public Settings setAll(Map<String, ? extends Number> values) {
        values.forEach(this::set);
        return this;
    }

    /** @param seed the run's seed @return this */
    public Settings seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** @param schedule ρ over iterations and epochs, or null for the constant ρ @return this */
    public Settings rhoSchedule(ISchedule schedule) {
        this.rhoSchedule = schedule;
        return this;
    }

    /** @return the values given, by name */
    public Map<String, Number> values() {
        return Collections.unmodifiableMap(values);
    }

    /** @return the run's seed */
    public long seed() {
        return seed;
    }

    /** @return the schedule of ρ, or null */
    public ISchedule rhoSchedule() {
        return rhoSchedule;
    }

    /**
     * The settings one rule reads: its hyperparameters with its defaults filled in.
     */
    public static final class Resolved {
        private final RuleSpec rule;
        private final Settings settings;

        Resolved(RuleSpec rule, Settings settings) {
            this.rule = rule;
            this.settings = settings;
        }

        /** @param name a real hyperparameter of the rule @return its value, or the rule's default */
        public double real(String name) {
            return value(name).doubleValue();
        }

        /** @param name an integer hyperparameter of the rule @return its value, or the rule's default */
        public int integer(String name) {
            Number v = value(name);
            if (v.doubleValue() != Math.rint(v.doubleValue())) {
                throw new IllegalArgumentException(rule.hyperparameter(name).option() + " must be an integer, got "
                        + v);
            }
            return v.intValue();
        }

        private Number value(String name) {
            Hyperparameter h = rule.hyperparameter(name);
            Number v = settings.values.get(name);
            return v == null ? h.defaultValue() : v;
        }

        /** @return the run's seed */
        public long seed() {
            return settings.seed;
        }

        /** @return the schedule of ρ, or null for the constant ρ */
        public ISchedule rhoSchedule() {
            return settings.rhoSchedule;
        }
    }
}
