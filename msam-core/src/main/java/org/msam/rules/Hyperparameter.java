package org.msam.rules;

import java.util.Objects;

/**
 * One hyperparameter of a rule, as the rule's {@link RuleSpec} declares it: its name (the key a run's configuration
 * stores it under), its command-line option, its symbol in docs/ALGORITHMS.md, its default, the range its
 * configuration's builder accepts (in words, {@link Range}) and a help text. Rules that share a hyperparameter (ρ,
 * η_a) declare it under the same name and option, each with its own default and range.
 */
public final class Hyperparameter {
    private final String name;
    private final String option;
    private final String symbol;
    private final boolean integer;
    private final Number defaultValue;
    private final Range range;
    private final String help;

    private Hyperparameter(String name, String option, String symbol, boolean integer, Number defaultValue,
                           Range range, String help) {
        this.name = Objects.requireNonNull(name, "name");
        this.option = Objects.requireNonNull(option, "option");
        this.symbol = Objects.requireNonNull(symbol, "symbol");
        this.integer = integer;
        this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
        this.range = Objects.requireNonNull(range, "range");
        this.help = Objects.requireNonNull(help, "help");
        if (!option.startsWith("--")) {
            throw new IllegalArgumentException("The option of " + name + " must start with --, got " + option);
        }
    }

    /**
     * @param name         the configuration key ({@code emaDecay})
     * @param option       the command-line option ({@code --ema-decay})
     * @param symbol       the symbol of docs/ALGORITHMS.md ({@code β_e})
     * @param defaultValue the rule's default
     * @param range        the values the builder accepts
     * @param help         what it is, in a phrase
     * @return a real-valued hyperparameter
     */
    public static Hyperparameter real(String name, String option, String symbol, double defaultValue, Range range,
                                      String help) {
        return new Hyperparameter(name, option, symbol, false, defaultValue, range, help);
    }

    /**
     * @param name         the configuration key ({@code mesaStartEpoch})
     * @param option       the command-line option ({@code --mesa-start-epoch})
     * @param symbol       the symbol of docs/ALGORITHMS.md ({@code E_start})
     * @param defaultValue the rule's default
     * @param range        the values the builder accepts
     * @param help         what it is, in a phrase
     * @return an integer hyperparameter
     */
    public static Hyperparameter integer(String name, String option, String symbol, int defaultValue, Range range,
                                         String help) {
        return new Hyperparameter(name, option, symbol, true, defaultValue, range, help);
    }

    /** @return the configuration key, e.g. {@code emaDecay} */
    public String name() {
        return name;
    }

    /** @return the command-line option, e.g. {@code --ema-decay} */
    public String option() {
        return option;
    }

    /** @return the symbol of docs/ALGORITHMS.md, e.g. {@code β_e} */
    public String symbol() {
        return symbol;
    }

    /** @return true for an integer, false for a real value */
    public boolean isInteger() {
        return integer;
    }

    /** @return {@code Integer.class} or {@code Double.class} */
    public Class<? extends Number> type() {
        return integer ? Integer.class : Double.class;
    }

    /** @return the rule's default */
    public Number defaultValue() {
        return defaultValue;
    }

    /** @return the values the rule's builder accepts, in words */
    public Range range() {
        return range;
    }

    /** @return the help text: what it is, in a phrase */
    public String help() {
        return help;
    }

    /**
     * @param value a value given for this hyperparameter
     * @return the message of a value the builder refused, in the option's name: {@code --ema-decay must be in [0, 1),
     *     got 1.0}
     */
    public String outOfRange(Number value) {
        return option + " must be " + rangeInWords() + ", got " + value;
    }

    /**
     * @return the range in words, saying "finite" where an unbounded real range leaves it unsaid: {@code finite and
     *     >= 0}, {@code in [0, 1)}, {@code >= 1} (an integer)
     */
    public String rangeInWords() {
        String r = range.toString();
        boolean unbounded = range.upper() == Double.POSITIVE_INFINITY || range.lower() == Double.NEGATIVE_INFINITY;
        return integer || !unbounded || "finite".equals(r) ? r : "finite and " + r;
    }

    @Override
    public String toString() {
        return name + " (" + option + ", " + symbol + ", default " + defaultValue + ", " + range + ")";
    }
}
