package org.msam.examples.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.msam.rules.Base;
import org.msam.rules.Hyperparameter;
import org.msam.rule.Need;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;
import org.nd4j.shade.jackson.annotation.JsonAnyGetter;
import org.nd4j.shade.jackson.annotation.JsonAnySetter;

/**
 * Everything that defines a training run. Written next to the run's results as {@code config.json}, and
 * compared with the saved one when a run is resumed.
 */
public final class RunConfig {
    /** Data set: fashion-mnist, mnist, cifar10, cifar100 or imagenet. */
    public String dataset = "fashion-mnist";
    /** Folder holding the data set's files (null: the embedded Fashion-MNIST subset or the download cache). */
    public String dataDir;
    /** Whether CIFAR may be downloaded into the cache when absent. */
    public boolean download = true;
    /** Model name from {@code org.msam.examples.models.Models}. */
    public String model = "small-cnn";
    /** Optimizer of the catalog, written by name ({@code msam}, {@code msam-adamw}, ...). */
    public Optimizer optimizer = Optimizer.MSAM;
    /** Peak learning rate. */
    public double learningRate = 0.05;
    /** Momentum (SGD family) or β1 (AdamW family). */
    public double momentum = 0.9;
    /** Weight decay: coupled (DL4J l2) for the SGD family, decoupled for the AdamW family. */
    public double weightDecay = 5e-4;
    /**
     * ρ of the sharpness-aware optimizers (null: {@link Optimizer#defaultRho(String)} for the model, filled in by
     * {@link #withDefaults()}); null for the optimizers without one (sgd, nag, adamw, mesa).
     */
    public Double rho;
    /**
     * The rule's other hyperparameters given (by {@link org.msam.rules.Hyperparameter#name()}: {@code adaptiveEta},
     * {@code emaDecay}, ...; the rule's default for those absent), written into {@code config.json} as fields of
     * their own, as earlier runs wrote them.
     */
    private final Map<String, Number> ruleSettings = new HashMap<>();
    /** ρ is 0 for this many epochs, then full (the paper's ViT recipe; the rules with a ρ schedule). */
    public int rhoOffEpochs;
    /** Number of epochs. */
    public int epochs = 5;
    /** Mini-batch size. */
    public int batchSize = 64;
    /** Linear warm-up of the learning rate, in epochs. */
    public double warmupEpochs;
    /** Learning-rate schedule: cosine (to 0, after the warm-up) or constant. */
    public String schedule = "cosine";
    /** Label smoothing ε. */
    public double labelSmoothing;
    /** Global gradient-norm clipping (0: off). */
    public double clipNorm;
    /** Random seed (weights, shuffling, augmentation). */
    public long seed = 1;
    /** Use at most this many batches per epoch (0: all), for quick checks. */
    public int maxBatches;
    /** Use at most this many training images, class-balanced (0: all). */
    public int trainSubset;
    /** Use at most this many test images (0: all). */
    public int testSubset;
    /** Training augmentation (crop, flip, cutout for CIFAR; none for the MNIST family). */
    public boolean augment = true;
    /** ND4J threads (0: ND4J's default). */
    public int threads;
    /**
     * Data-parallel workers (1: one device). N &gt; 1 trains with {@code SharpnessAware.parallelWrapper}, averaging θ
     * and the optimizer state after every round of N mini-batches: one step per round, as one device on the N
     * mini-batches together.
     */
    public int workers = 1;
    /**
     * Micro-batches per optimizer step (1: none). K &gt; 1 installs the driver with {@code Accumulation.steps(K)}: one
     * step on the mean gradient of K mini-batches of {@link #batchSize}, as one batch of K·batchSize; each epoch trains
     * on whole windows (the last mini-batches that do not fill one are left out), so every checkpoint ends on a step.
     */
    public int accumulate = 1;
    /** Image side for ImageNet-style folders. */
    public int imageSize = 224;
    /** Batches used to recompute BatchNorm statistics at θ after MSAM training (0: one full epoch). */
    public int bnRecomputeBatches = 50;
    /** Record MSAM diagnostics every this many iterations (0: off), into {@code diagnostics.csv}. */
    public int diagnosticsEvery;
    /** Named preset applied before the explicit options, or null. */
    public String preset;
    /** Fraction of training labels replaced by another class ({@code org.msam.examples.data.LabelNoise}). */
    public double labelNoise;
    /** Seed of the label noise. */
    public long labelNoiseSeed = 1;

    /** The command-line option of each field, for messages (fields without one are named as they are). */
    private static final java.util.Map<String, String> OPTIONS = java.util.Map.ofEntries(
            java.util.Map.entry("dataset", "--dataset"), java.util.Map.entry("dataDir", "--data-dir"),
            java.util.Map.entry("download", "--no-download"), java.util.Map.entry("model", "--model"),
            java.util.Map.entry("optimizer", "--optimizer/--base"), java.util.Map.entry("learningRate", "--lr"),
            java.util.Map.entry("momentum", "--momentum"), java.util.Map.entry("weightDecay", "--wd"),
            java.util.Map.entry("rho", "--rho"), java.util.Map.entry("rhoOffEpochs", "--rho-off-epochs"), java.util.Map.entry("epochs", "--epochs"),
            java.util.Map.entry("batchSize", "--batch-size"), java.util.Map.entry("warmupEpochs", "--warmup-epochs"),
            java.util.Map.entry("schedule", "--schedule"), java.util.Map.entry("labelSmoothing", "--label-smoothing"),
            java.util.Map.entry("clipNorm", "--clip-norm"), java.util.Map.entry("seed", "--seed"),
            java.util.Map.entry("maxBatches", "--max-batches"), java.util.Map.entry("trainSubset", "--train-subset"),
            java.util.Map.entry("testSubset", "--test-subset"), java.util.Map.entry("augment", "--no-augment"),
            java.util.Map.entry("threads", "--threads"), java.util.Map.entry("workers", "--workers"),
            java.util.Map.entry("accumulate", "--accumulate"), java.util.Map.entry("imageSize", "--image-size"),
            java.util.Map.entry("bnRecomputeBatches", "--bn-batches"),
            java.util.Map.entry("diagnosticsEvery", "--diagnostics"), java.util.Map.entry("preset", "--preset"),
            java.util.Map.entry("labelNoise", "--label-noise"), java.util.Map.entry("labelNoiseSeed", "--label-noise-seed"));

    /**
     * @param field a field of this class
     * @return its command-line option (e.g. {@code --lr} for {@code learningRate}), or the field's name
     */
    public static String option(String field) {
        String o = OPTIONS.get(field);
        if (o != null) {
            return o;
        }
        List<RuleSpec> rules = Rules.hyperparameters().get(field);
        return rules == null ? field : rules.get(0).hyperparameter(field).option();
    }

    /**
     * @param name a hyperparameter of a registered rule, other than ρ ({@link #rho})
     * @return its value given, or null for the rule's default
     */
    public Number get(String name) {
        return ruleSettings.get(name);
    }

    /**
     * @param name  a hyperparameter of a registered rule, other than ρ ({@link #rho})
     * @param value its value, or null for the rule's default
     * @return this
     * @throws IllegalArgumentException for a name no registered rule has
     */
    public RunConfig set(String name, Number value) {
        List<RuleSpec> rules = Rules.hyperparameters().get(name);
        if (rules == null || Rules.RHO.equals(name)) {
            throw new IllegalArgumentException("No registered rule has a hyperparameter '" + name + "' (ρ is --rho)");
        }
        if (value == null) {
            ruleSettings.remove(name);
        } else {
            ruleSettings.put(name, rules.get(0).hyperparameter(name).isInteger() ? (Number) value.intValue()
                    : (Number) value.doubleValue());
        }
        return this;
    }

    /** @return the rule's hyperparameters given (ρ aside), by name */
    @JsonAnyGetter
    public Map<String, Number> ruleSettings() {
        Map<String, Number> inOrder = new LinkedHashMap<>();
        for (String name : Rules.hyperparameters().keySet()) {
            if (ruleSettings.containsKey(name)) {
                inOrder.put(name, ruleSettings.get(name));
            }
        }
        return Collections.unmodifiableMap(inOrder);
    }

    /**
     * Reads a rule's hyperparameter from {@code config.json}; the fields of no registered rule are ignored, as every
     * unknown field is.
     */
    @JsonAnySetter
    void readRuleSetting(String name, Object value) {
        if (Rules.hyperparameters().containsKey(name) && !Rules.RHO.equals(name)) {
            set(name, value == null ? null : value instanceof Number ? (Number) value
                    : Double.valueOf(value.toString()));
        }
    }

    /**
     * Fills in the defaults that depend on other options: ρ of a sharpness-aware optimizer when none was given,
     * from {@link Optimizer#defaultRho(String)} for this model, so that {@code config.json} records the ρ used.
     *
     * @return this configuration
     */
    public RunConfig withDefaults() {
        if (rho == null && optimizer != null && optimizer.takesRho()) {
            rho = optimizer.defaultRho(model);
        }
        return this;
    }

    /**
     * @param other another configuration
     * @return true when both train the same run ({@code --threads}, which does not change what is trained, may
     *     differ)
     */
    public boolean sameRun(RunConfig other) {
        java.util.Map<?, ?> a = Json.MAPPER.convertValue(this, java.util.Map.class);
        java.util.Map<?, ?> b = Json.MAPPER.convertValue(other, java.util.Map.class);
        a.remove("threads");
        b.remove("threads");
        return a.equals(b);
    }

    /** @return a copy (through the JSON form, so that every field is copied) */
    public RunConfig copy() {
        return Json.MAPPER.convertValue(this, RunConfig.class);
    }

    /**
     * @return the problems with this configuration, each with its fix (empty when valid)
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (epochs <= 0) {
            p.add("--epochs must be > 0, got " + epochs);
        }
        if (batchSize <= 0) {
            p.add("--batch-size must be > 0, got " + batchSize);
        }
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            p.add("--lr must be finite and >= 0, got " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            p.add("--wd must be finite and >= 0, got " + weightDecay);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            p.add("--label-smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (!(warmupEpochs >= 0) || warmupEpochs >= epochs && epochs > 0) {
            p.add("--warmup-epochs must be >= 0 and shorter than --epochs (" + epochs + "), got " + warmupEpochs);
        }
        if (imageSize <= 0) {
            p.add("--image-size must be > 0 (the side in pixels of the ImageNet images), got " + imageSize);
        }
        if (bnRecomputeBatches < 0) {
            p.add("--bn-batches must be >= 0 (0: one full epoch), got " + bnRecomputeBatches);
        }
        if (maxBatches < 0 || trainSubset < 0 || testSubset < 0 || threads < 0 || rhoOffEpochs < 0) {
            p.add("--max-batches, --train-subset, --test-subset, --threads and --rho-off-epochs must be >= 0");
        }
        if (accumulate < 1) {
            p.add("--accumulate must be >= 1 (1: one step per mini-batch; K: one step per K mini-batches), got "
                    + accumulate);
        }
        if (workers < 1) {
            p.add("--workers must be >= 1 (1: one device; N: N data-parallel workers), got " + workers);
        }
        if (!"cosine".equals(schedule) && !"constant".equals(schedule)) {
            p.add("--schedule must be cosine or constant, got " + schedule);
        }
        if (optimizer == null) {
            p.add("--optimizer is required");
            return p;
        }
        if (!Double.isFinite(momentum)) {
            p.add("--momentum must be finite, got " + momentum);
        } else if (optimizer.base() == Base.ADAMW) {
            if (!(momentum >= 0 && momentum < 1)) {
                p.add("--momentum (beta1 of AdamW) must be in [0, 1), got " + momentum);
            }
        } else if (momentum < 0) {
            p.add("--momentum must be >= 0, got " + momentum);
        } else if (momentum == 0 && optimizer.base() == Base.NAG) {
            p.add("--momentum must be > 0 for Nesterov momentum (" + optimizer + "), got 0");
        } else if (momentum == 0 && optimizer.needs(Need.BASE_MOMENTUM)) {
            p.add("--momentum must be > 0 for " + optimizer + " (it perturbs along the momentum), got 0");
        }
        p.addAll(ruleProblems());
        // MsamDiagnostics records the rules that perturb along the base's momentum
        List<String> diagnosed = names(Rules.needing(Need.BASE_MOMENTUM));
        if (diagnosticsEvery < 0 || diagnosticsEvery > 0 && !optimizer.needs(Need.BASE_MOMENTUM)) {
            p.add("--diagnostics must be >= 0 and needs --optimizer " + words(diagnosed, "or") + " (any --base), got "
                    + diagnosticsEvery + " with " + optimizer);
        }
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            p.add("--clip-norm must be finite and >= 0 (0: off), got " + clipNorm);
        }
        if (!(labelNoise >= 0 && labelNoise <= 1) || labelNoise > 0 && "imagenet".equals(dataset)) {
            p.add("--label-noise must be in [0, 1] and needs an in-memory data set (not imagenet), got " + labelNoise);
        }
        return p;
    }

    /**
     * @return the problems of ρ, its schedule and the rule's other hyperparameters: given to an optimizer whose rule
     *     has none of them, or refused by the rule's configuration builder (in the options' words)
     */
    private List<String> ruleProblems() {
        List<String> p = new ArrayList<>();
        RuleSpec rule = optimizer.rule();
        if (rho != null && !optimizer.takesRho()) {
            p.add("--rho applies to the sharpness-aware optimizers (" + words(names(Rules.all().stream()
                    .filter(RuleSpec::takesRho).collect(Collectors.toList())), "and") + ", over any --base), not to "
                    + optimizer + (rule != null ? " (" + rule.title() + " has no perturbation radius)" : "")
                    + ": leave --rho out");
        }
        if (rhoOffEpochs > 0 && (rule == null || !rule.takesRhoSchedule())) {
            p.add("--rho-off-epochs applies to " + words(names(Rules.all().stream().filter(RuleSpec::takesRhoSchedule)
                    .collect(Collectors.toList())), "and") + " (any --base) only, got it with " + optimizer
                    + ": the other rules have no ρ schedule. Fix: leave --rho-off-epochs out, or choose msam");
        }
        // options of other rules, grouped by the rules that take them
        Map<List<RuleSpec>, List<String>> foreign = new LinkedHashMap<>();
        for (String name : ruleSettings().keySet()) {
            if (rule == null || rule.findHyperparameter(name).isEmpty()) {
                foreign.computeIfAbsent(Rules.hyperparameters().get(name), k -> new ArrayList<>()).add(option(name));
            }
        }
        foreign.forEach((rules, options) -> p.add(words(options, "and") + (options.size() == 1 ? " applies" : " apply")
                + " to --optimizer " + words(names(rules), "and") + " only, got " + (options.size() == 1 ? "it" : "them")
                + " with " + optimizer));
        if (rule == null) {
            return p;
        }
        if (rho != null && rule.takesRho()) {
            Hyperparameter h = rule.hyperparameter(Rules.RHO);
            rule.problem(h, rho).ifPresent(m -> p.add(h.option() + " must be " + h.rangeInWords() + " for " + optimizer
                    + ", got " + rho));
        }
        for (Map.Entry<String, Number> e : ruleSettings().entrySet()) {
            rule.findHyperparameter(e.getKey()).flatMap(h -> rule.problem(h, e.getValue())).ifPresent(p::add);
        }
        return p;
    }

    private static List<String> names(List<RuleSpec> rules) {
        return rules.stream().map(RuleSpec::name).collect(Collectors.toList());
    }

    /** @return {@code a}, {@code a and b}, {@code a, b and c} */
    static String words(List<String> items, String last) {
        if (items.size() <= 1) {
            return String.join("", items);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " " + last + " " + items.get(items.size() - 1);
    }
}
