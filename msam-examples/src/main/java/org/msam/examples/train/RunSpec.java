package org.msam.examples.train;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One entry of {@code compare --optimizers}: an optimizer name, optionally followed by {@code :key=value}
 * overrides of that entry's recipe, so that one comparison can hold a grid of ρ values and equal-compute runs:
 *
 * <pre>
 *   sgd,nag,sam:rho=0.05,sam:rho=0.1,msam:rho=1,msam:rho=-1,sam:rho=0.1:epochs=10
 * </pre>
 *
 * The name is one of {@link Optimizer#names()}. Keys: {@code rho} (ρ of SAM/MSAM), {@code epochs} (e.g. half the
 * epochs for SAM at MSAM's cost), {@code lr} (peak learning rate), {@code base} (the base optimizer of a
 * sharpness-aware entry: {@code msam:base=adamw} is {@code msam-adamw}). The whole entry is the row's label in the comparison table, and its run folders are
 * {@code <folder>-seed<n>} with {@link #folder()} = the label with {@code :} as {@code _} and without {@code =}
 * ({@code sam_rho0.1_epochs10-seed1}).
 */
public final class RunSpec {
    /** The keys an entry may set. */
    public static final List<String> KEYS = List.of("rho", "epochs", "lr", "base");

    private final String label;
    private Optimizer optimizer;
    private Double rho;
    private Integer epochs;
    private Double lr;

    private RunSpec(String label, Optimizer optimizer) {
        this.label = label;
        this.optimizer = optimizer;
    }

    /**
     * @param entry an entry such as {@code msam:rho=0.3}
     * @return the parsed entry
     * @throws IllegalArgumentException naming the entry and the fix for an unknown optimizer or key, a repeated key
     *                                  or a value that is not a number
     */
    public static RunSpec parse(String entry) {
        String e = entry == null ? "" : entry.trim();
        String[] parts = e.split(":", -1);
        Optimizer optimizer;
        try {
            optimizer = Optimizer.parse(parts[0]);
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException("Unknown optimizer '" + parts[0] + "' in --optimizers entry '" + e
                    + "'" + Optimizer.didYouMean(parts[0]) + "; valid names: " + Optimizer.validNames());
        }
        RunSpec spec = new RunSpec(e, optimizer);
        Set<String> given = new HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            String key = eq < 0 ? parts[i] : parts[i].substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (eq < 0 || !KEYS.contains(key)) {
                throw new IllegalArgumentException("Invalid setting '" + parts[i] + "' in --optimizers entry '" + e
                        + "': write key=value with key one of " + String.join(", ", KEYS)
                        + " (for example msam:rho=0.3:epochs=10:base=adamw)");
            }
            String value = parts[i].substring(eq + 1).trim();
            try {
                switch (key) {
                    case "rho":
                        spec.rho = Double.parseDouble(value);
                        break;
                    case "epochs":
                        spec.epochs = Integer.parseInt(value);
                        break;
                    case "base":
                        spec.optimizer = Optimizer.fromCli(optimizer.name(), value);
                        break;
                    default:
                        spec.lr = Double.parseDouble(value);
                        break;
                }
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("Invalid " + key + " value '" + value + "' in --optimizers entry '"
                        + e + "': " + ("epochs".equals(key) ? "an integer" : "a number") + " is required");
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException("Invalid base '" + value + "' in --optimizers entry '" + e + "': "
                        + x.getMessage());
            }
            if (!given.add(key)) {
                throw new IllegalArgumentException("Setting '" + key + "' given twice in --optimizers entry '" + e
                        + "'");
            }
        }
        return spec;
    }

    /** @return the entry as written: the row's label */
    public String label() {
        return label;
    }

    /** @return the optimizer */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** @return the folder-name form of the label */
    public String folder() {
        return label.replace(':', '_').replace("=", "");
    }

    /**
     * Applies this entry's overrides to a configuration built from the shared options.
     *
     * @param config the configuration (changed in place)
     * @return the same configuration
     */
    public RunConfig applyTo(RunConfig config) {
        config.optimizer = optimizer;
        if (rho != null) {
            config.rho = rho;
        }
        if (epochs != null) {
            config.epochs = epochs;
        }
        if (lr != null) {
            config.learningRate = lr;
        }
        return config;
    }
}
