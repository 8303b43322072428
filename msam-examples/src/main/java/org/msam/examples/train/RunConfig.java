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
    /** Optimizer: sgd, nag, adamw, sam, msam, msam-adamw. */
    public String optimizer = "msam";
    /** Peak learning rate. */
    public double learningRate = 0.05;
    /** Momentum (SGD family) or β1 (AdamW family). */
    public double momentum = 0.9;
    /** Weight decay: coupled (DL4J l2) for the SGD family, decoupled for the AdamW family. */
    public double weightDecay = 5e-4;
    /** ρ of SAM or MSAM (null: {@link Optimizers#defaultRho(String)}; ignored by the other optimizers). */
    public Double rho;
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

    /** @return a copy */
    public RunConfig copy() {
        RunConfig c = new RunConfig();
        c.dataset = dataset;
        c.dataDir = dataDir;
        c.download = download;
        c.model = model;
        c.optimizer = optimizer;
        c.learningRate = learningRate;
        c.momentum = momentum;
        c.weightDecay = weightDecay;
        c.rho = rho;
        c.rhoOffEpochs = rhoOffEpochs;
        c.epochs = epochs;
        c.batchSize = batchSize;
        c.warmupEpochs = warmupEpochs;
        c.schedule = schedule;
        c.labelSmoothing = labelSmoothing;
        c.clipNorm = clipNorm;
        c.seed = seed;
        c.maxBatches = maxBatches;
        c.trainSubset = trainSubset;
        c.testSubset = testSubset;
        c.augment = augment;
        c.threads = threads;
        c.imageSize = imageSize;
        c.bnRecomputeBatches = bnRecomputeBatches;
        c.diagnosticsEvery = diagnosticsEvery;
        c.preset = preset;
        c.labelNoise = labelNoise;
        c.labelNoiseSeed = labelNoiseSeed;
        return c;
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
        if (!(weightDecay >= 0)) {
            p.add("--wd must be >= 0, got " + weightDecay);
        }
        if (rho != null && !Double.isFinite(rho)) {
            p.add("--rho must be finite, got " + rho);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            p.add("--label-smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (!(warmupEpochs >= 0) || warmupEpochs >= epochs && epochs > 0 && "cosine".equals(schedule)) {
            p.add("--warmup-epochs must be >= 0 and shorter than --epochs, got " + warmupEpochs);
        }
        if (maxBatches < 0 || trainSubset < 0 || testSubset < 0 || threads < 0 || rhoOffEpochs < 0) {
            p.add("--max-batches, --train-subset, --test-subset, --threads and --rho-off-epochs must be >= 0");
        }
        if (!"cosine".equals(schedule) && !"constant".equals(schedule)) {
            p.add("--schedule must be cosine or constant, got " + schedule);
        }
        if (!Optimizers.NAMES.contains(optimizer)) {
            p.add("--optimizer must be one of " + String.join(", ", Optimizers.NAMES) + ", got " + optimizer);
        }
        if (diagnosticsEvery < 0 || diagnosticsEvery > 0 && !Optimizers.isMsam(optimizer)) {
            p.add("--diagnostics must be >= 0 and needs --optimizer msam or msam-adamw, got " + diagnosticsEvery
                    + " with " + optimizer);
        }
        if (clipNorm < 0) {
            p.add("--clip-norm must be >= 0, got " + clipNorm);
        }
        if (!(labelNoise >= 0 && labelNoise <= 1) || labelNoise > 0 && "imagenet".equals(dataset)) {
            p.add("--label-noise must be in [0, 1] and needs an in-memory data set (not imagenet), got " + labelNoise);
        }
        return p;
    }
}
