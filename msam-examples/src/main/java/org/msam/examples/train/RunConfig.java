package org.msam.examples.train;

import java.util.ArrayList;
import java.util.List;

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
    /** η_a of adaptive SAM (null: the library's default; used by asam only). */
    public Double adaptiveEta;
    /** β of ESAM, the fraction of variables perturbed (null: the library's default; esam only). */
    public Double weightFraction;
    /** γ of ESAM, the fraction of the mini-batch of the second pass (null: the library's default; esam only). */
    public Double sampleFraction;
    /** λ of MESA (null: the library's default; mesa only). */
    public Double mesaLambda;
    /** τ of MESA (null: the library's default; mesa only). */
    public Double mesaTemperature;
    /** β_e of MESA's EMA (null: the library's default; mesa only). */
    public Double emaDecay;
    /** E_start of MESA, 0-based (null: the library's default; mesa only). */
    public Integer mesaStartEpoch;
    /** ρ is 0 for this many epochs, then full (the paper's ViT recipe). */
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
            java.util.Map.entry("rho", "--rho"), java.util.Map.entry("adaptiveEta", "--adaptive-eta"),
            java.util.Map.entry("weightFraction", "--weight-fraction"),
            java.util.Map.entry("sampleFraction", "--sample-fraction"),
            java.util.Map.entry("mesaLambda", "--mesa-lambda"), java.util.Map.entry("mesaTemperature", "--temperature"),
            java.util.Map.entry("emaDecay", "--ema-decay"), java.util.Map.entry("mesaStartEpoch", "--mesa-start-epoch"),
            java.util.Map.entry("rhoOffEpochs", "--rho-off-epochs"), java.util.Map.entry("epochs", "--epochs"),
            java.util.Map.entry("batchSize", "--batch-size"), java.util.Map.entry("warmupEpochs", "--warmup-epochs"),
            java.util.Map.entry("schedule", "--schedule"), java.util.Map.entry("labelSmoothing", "--label-smoothing"),
            java.util.Map.entry("clipNorm", "--clip-norm"), java.util.Map.entry("seed", "--seed"),
            java.util.Map.entry("maxBatches", "--max-batches"), java.util.Map.entry("trainSubset", "--train-subset"),
            java.util.Map.entry("testSubset", "--test-subset"), java.util.Map.entry("augment", "--no-augment"),
            java.util.Map.entry("threads", "--threads"), java.util.Map.entry("workers", "--workers"), java.util.Map.entry("imageSize", "--image-size"),
            java.util.Map.entry("bnRecomputeBatches", "--bn-batches"),
            java.util.Map.entry("diagnosticsEvery", "--diagnostics"), java.util.Map.entry("preset", "--preset"),
            java.util.Map.entry("labelNoise", "--label-noise"), java.util.Map.entry("labelNoiseSeed", "--label-noise-seed"));

    /**
     * @param field a field of this class
     * @return its command-line option (e.g. {@code --lr} for {@code learningRate}), or the field's name
     */
    public static String option(String field) {
        return OPTIONS.getOrDefault(field, field);
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
        if (rho != null && !Double.isFinite(rho)) {
            p.add("--rho must be finite, got " + rho);
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
        } else if (optimizer.base() == Optimizer.Base.ADAMW) {
            if (!(momentum >= 0 && momentum < 1)) {
                p.add("--momentum (beta1 of AdamW) must be in [0, 1), got " + momentum);
            }
        } else if (momentum < 0) {
            p.add("--momentum must be >= 0, got " + momentum);
        } else if (momentum == 0 && optimizer.base() == Optimizer.Base.NAG) {
            p.add("--momentum must be > 0 for Nesterov momentum (" + optimizer + "), got 0");
        } else if (momentum == 0 && optimizer.msam()) {
            p.add("--momentum must be > 0 for MSAM (it perturbs along the momentum), got 0");
        }
        if (rho != null && !optimizer.takesRho()) {
            p.add("--rho applies to the sharpness-aware optimizers (" + Optimizer.RHO_METHODS + ", over any --base), "
                    + "not to " + optimizer + (optimizer.method() == Optimizer.Method.MESA ? " (MESA has no "
                    + "perturbation)" : "") + ": leave --rho out");
        }
        if (rhoOffEpochs > 0 && !optimizer.msam()) {
            p.add("--rho-off-epochs applies to msam, amsam and bnmsam (any --base) only, got it with " + optimizer
                    + ": the other rules have no ρ schedule. Fix: leave --rho-off-epochs out, or choose msam");
        }
        if (rho != null && rho < 0 && optimizer.samFamily()) {
            p.add("--rho must be >= 0 for " + optimizer + ", got " + rho + " (only MSAM takes a negative rho)");
        }
        if (adaptiveEta != null && !(adaptiveEta >= 0 && Double.isFinite(adaptiveEta))) {
            p.add("--adaptive-eta must be finite and >= 0, got " + adaptiveEta);
        }
        if (adaptiveEta != null && optimizer.method() != Optimizer.Method.ASAM
                && optimizer.method() != Optimizer.Method.AMSAM) {
            p.add("--adaptive-eta applies to --optimizer asam and amsam only, got it with " + optimizer);
        }
        boolean esam = optimizer.method() == Optimizer.Method.ESAM;
        for (Double f : new Double[] {weightFraction, sampleFraction}) {
            if (f != null && !(f > 0 && f <= 1)) {
                p.add((f == weightFraction ? "--weight-fraction" : "--sample-fraction") + " must be in (0, 1], got " + f);
            }
        }
        if ((weightFraction != null || sampleFraction != null) && !esam) {
            p.add("--weight-fraction and --sample-fraction apply to --optimizer esam only, got them with " + optimizer);
        }
        boolean mesa = optimizer.method() == Optimizer.Method.MESA;
        if (mesaLambda != null && !(mesaLambda >= 0 && Double.isFinite(mesaLambda))) {
            p.add("--mesa-lambda must be finite and >= 0, got " + mesaLambda);
        }
        if (mesaTemperature != null && !(mesaTemperature > 0 && Double.isFinite(mesaTemperature))) {
            p.add("--temperature must be finite and > 0, got " + mesaTemperature);
        }
        if (emaDecay != null && !(emaDecay >= 0 && emaDecay < 1)) {
            p.add("--ema-decay must be in [0, 1), got " + emaDecay);
        }
        if (mesaStartEpoch != null && mesaStartEpoch < 0) {
            p.add("--mesa-start-epoch must be >= 0, got " + mesaStartEpoch);
        }
        if ((mesaLambda != null || mesaTemperature != null || emaDecay != null || mesaStartEpoch != null) && !mesa) {
            p.add("--mesa-lambda, --temperature, --ema-decay and --mesa-start-epoch apply to --optimizer mesa only, got "
                    + "them with " + optimizer);
        }
        if (diagnosticsEvery < 0 || diagnosticsEvery > 0 && !optimizer.msam()) {
            p.add("--diagnostics must be >= 0 and needs --optimizer msam (any --base), got " + diagnosticsEvery
                    + " with " + optimizer);
        }
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            p.add("--clip-norm must be finite and >= 0 (0: off), got " + clipNorm);
        }
        if (!(labelNoise >= 0 && labelNoise <= 1) || labelNoise > 0 && "imagenet".equals(dataset)) {
            p.add("--label-noise must be in [0, 1] and needs an in-memory data set (not imagenet), got " + labelNoise);
        }
        return p;
    }
}
