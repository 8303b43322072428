package org.msam.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.msam.examples.train.Presets;
import org.msam.examples.train.RunConfig;

import org.msam.examples.train.Optimizer;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.annotation.PropertyAccessor;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import org.msam.rules.Hyperparameter;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** The options shared by {@code train} and {@code compare}; a preset is applied first, explicit options win. */
final class TrainOptions {
    @Option(names = "--preset", description = "Named recipe: ${COMPLETION-CANDIDATES}", completionCandidates = PresetNames.class)
    @JsonIgnore
    String preset;
    @Option(names = "--dataset", description = "fashion-mnist (default; the embedded subset), mnist, cifar10, cifar100, imagenet")
    @JsonProperty("dataset")
    String dataset;
    @Option(names = "--data-dir", description = "Folder with the data set's files (CIFAR: downloaded to ~/.msam/data when absent)")
    @JsonIgnore
    Path dataDir;
    @Option(names = "--no-download", description = "Never download; fail if the files are absent")
    @JsonIgnore
    boolean noDownload;
    @Option(names = "--model", description = "small-cnn (default), mlp, wrn-16-1, wrn-16-4, wrn-16-8, wrn-28-10, resnet18, resnet50, resnet50-imagenet, resnet101-imagenet, vit-tiny-cifar, vit-s-32, vit-s-16, vit-b-32, vit-b-16")
    @JsonProperty("model")
    String model;
    @Option(names = "--lr", description = "Peak learning rate (default 0.05)")
    @JsonProperty("learningRate")
    Double lr;
    @Option(names = "--momentum", description = "Momentum (SGD, NAG) or beta1 (AdamW) (default 0.9)")
    @JsonProperty("momentum")
    Double momentum;
    @Option(names = "--wd", description = "Weight decay: coupled (L2) over SGD/NAG, decoupled over AdamW (default 5e-4)")
    @JsonProperty("weightDecay")
    Double wd;
    /** ρ ({@code --rho}, an option of the registered rules that have one: {@link #addRuleOptions}). */
    @JsonProperty("rho")
    Double rho;
    /** {@code --rho-off-epochs}, for the rules with a ρ schedule ({@link #addRuleOptions}). */
    @JsonProperty("rhoOffEpochs")
    Integer rhoOffEpochs;
    /** The other hyperparameters of the registered rules given, by name ({@link #addRuleOptions}). */
    @JsonIgnore
    final Map<String, Number> ruleValues = new LinkedHashMap<>();

    @Option(names = "--epochs", description = "Epochs (default 5)")
    @JsonProperty("epochs")
    Integer epochs;
    @Option(names = "--batch-size", description = "Mini-batch size (default 64)")
    @JsonProperty("batchSize")
    Integer batchSize;
    @Option(names = "--warmup-epochs", description = "Linear learning-rate warm-up, in epochs (default 0)")
    @JsonProperty("warmupEpochs")
    Double warmupEpochs;
    @Option(names = "--schedule", description = "cosine (default) or constant")
    @JsonProperty("schedule")
    String schedule;
    @Option(names = "--label-smoothing", description = "Label smoothing epsilon (default 0)")
    @JsonProperty("labelSmoothing")
    Double labelSmoothing;
    @Option(names = "--clip-norm", description = "Global gradient-norm clipping (0: off; default 0)")
    @JsonProperty("clipNorm")
    Double clipNorm;
    @Option(names = "--max-batches", description = "At most this many batches per epoch, and of the BatchNorm recomputation (quick checks; default 0: all)")
    @JsonProperty("maxBatches")
    Integer maxBatches;
    @Option(names = "--train-subset", description = "At most this many training images, class-balanced (default 0: all)")
    @JsonProperty("trainSubset")
    Integer trainSubset;
    @Option(names = "--test-subset", description = "At most this many test images (default 0: all)")
    @JsonProperty("testSubset")
    Integer testSubset;
    @Option(names = "--no-augment", description = "No crop/flip/cutout for CIFAR")
    @JsonIgnore
    boolean noAugment;
    @Option(names = "--threads", description = "ND4J threads (default: ND4J's choice)")
    @JsonProperty("threads")
    Integer threads;
    @Option(names = "--workers", description = "Data-parallel workers (default 1: one device). N > 1 trains N copies "
            + "of the model with DL4J's ParallelWrapper (SharpnessAware.parallelWrapper), each on its own mini-batch, "
            + "averaging weights and optimizer state after every round: one optimizer step per N mini-batches")
    @JsonProperty("workers")
    Integer workers;
    @Option(names = "--accumulate", description = "Gradient accumulation (default 1: none). K > 1 takes one optimizer "
            + "step per K mini-batches of --batch-size, on their mean gradient: one batch of K × --batch-size on the "
            + "memory of one mini-batch (SAM-family rules ascend per mini-batch); each epoch trains on whole windows")
    @JsonProperty("accumulate")
    Integer accumulate;
    @Option(names = "--image-size", description = "Image side for ImageNet folders (default 224)")
    @JsonProperty("imageSize")
    Integer imageSize;
    @Option(names = "--diagnostics", description = "MSAM (any --base) only: record cos(v, g), the loss at θ and θ̃, ‖v‖ and the "
            + "perturbation every N iterations into diagnostics.csv and diagnostics-*.png (costs two inference passes "
            + "per recorded batch; default 0: off)")
    @JsonProperty("diagnosticsEvery")
    Integer diagnostics;
    @Option(names = "--bn-batches", description = "Batches to recompute BatchNorm statistics at the true weights after MSAM (0: one epoch; default 50)")
    @JsonProperty("bnRecomputeBatches")
    Integer bnBatches;
    @Option(names = "--label-noise", description = "Replace this fraction of the training labels by another class, drawn uniformly (test labels untouched; default 0)")
    Double labelNoise;
    @Option(names = "--label-noise-seed", description = "Seed of --label-noise (default 1)")
    Long labelNoiseSeed;

    /** picocli completion candidates for --preset. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Presets.names().iterator();
        }
    }

    /** Reads the options given (non-null) under their {@link RunConfig} names. */
    private static final ObjectMapper GIVEN = new ObjectMapper()
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /**
     * @param optimizer the optimizer (null: the preset's or the default)
     * @param seed      the seed (null: the default)
     * @return the configuration: defaults, then the preset, then the explicit options
     */
    RunConfig toConfig(Optimizer optimizer, Long seed) {
        RunConfig c = new RunConfig();
        if (optimizer != null) {
            c.optimizer = optimizer;
        }
        if (preset != null) {
            Presets.apply(preset, c);
        }
        if (optimizer != null) {
            c.optimizer = optimizer;
        }
        try {
            GIVEN.readerForUpdating(c).readValue(GIVEN.writeValueAsString(this));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot apply the options", e);
        }
        if (dataDir != null) {
            c.dataDir = dataDir.toAbsolutePath().normalize().toString();
        }
        if (noDownload) {
            c.download = false;
        }
        if (noAugment) {
            c.augment = false;
        }
        if (seed != null) {
            c.seed = seed;
        }
        ruleValues.forEach(c::set);
        return c;
    }

    /**
     * Adds the options of the registered rules' hyperparameters ({@code --rho}, {@code --adaptive-eta},
     * {@code --ema-decay}, ...: one per name of {@link Rules#hyperparameters()}) and {@code --rho-off-epochs} to a
     * command that mixes these options in, with help texts from the registry.
     *
     * @param command the command ({@code train}, {@code compare}, {@code demo})
     * @param options its instance of these options
     */
    static void addRuleOptions(CommandSpec command, TrainOptions options) {
        for (Map.Entry<String, List<RuleSpec>> e : Rules.hyperparameters().entrySet()) {
            String name = e.getKey();
            Hyperparameter h = e.getValue().get(0).hyperparameter(name);
            command.addOption(OptionSpec.builder(h.option()).type(h.type()).paramLabel("<" + name + ">")
                    .description(help(name, e.getValue())).setter(new ISetter() {
                        @Override
                        public <T> T set(T value) {
                            if (Rules.RHO.equals(name)) {
                                options.rho = (Double) value;
                            } else {
                                options.ruleValues.put(name, (Number) value);
                            }
                            return null;
                        }
                    }).build());
        }
        List<String> scheduled = Rules.all().stream().filter(RuleSpec::takesRhoSchedule).map(RuleSpec::name)
                .collect(Collectors.toList());
        command.addOption(OptionSpec.builder("--rho-off-epochs").type(Integer.class).paramLabel("<rhoOffEpochs>")
                .description("rho = 0 for this many epochs, then full (" + String.join(", ", scheduled) + " only; "
                        + "default 0)").setter(new ISetter() {
                            @Override
                            public <T> T set(T value) {
                                options.rhoOffEpochs = (Integer) value;
                                return null;
                            }
                        }).build());
    }

    /**
     * @param name  a hyperparameter's name
     * @param rules the rules that declare it
     * @return its help text: what it is, for which rules, its range and its defaults
     */
    static String help(String name, List<RuleSpec> rules) {
        Hyperparameter first = rules.get(0).hyperparameter(name);
        String what = first.symbol() + " of " + rules.stream().map(RuleSpec::title).collect(Collectors.joining(", "))
                + ": " + first.help();
        String range = rules.stream().map(r -> r.hyperparameter(name).rangeInWords()).distinct().count() == 1
                ? "; " + first.rangeInWords() : "";
        List<Number> defaults = rules.stream().map(r -> r.hyperparameter(name).defaultValue()).distinct()
                .collect(Collectors.toList());
        String defaultText = defaults.size() == 1 ? "default " + number(defaults.get(0))
                : "default " + rules.stream().map(r -> r.name() + " " + number(r.hyperparameter(name).defaultValue()))
                        .collect(Collectors.joining(", "));
        String text = what + " (--optimizer " + rules.stream().map(RuleSpec::name).collect(Collectors.joining(", "))
                + ", over any --base" + range + "; " + defaultText + ")";
        if (Rules.RHO.equals(name)) {
            text += ". MSAM's default is " + number(Optimizer.SMALL_CNN_MSAM_RHO) + " on small-cnn and "
                    + number(Optimizer.MLP_MSAM_RHO) + " on mlp; config.json records the value used";
        }
        return text;
    }

    private static String number(Number n) {
        double d = n.doubleValue();
        return d == Math.rint(d) && Math.abs(d) < 1e9 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
