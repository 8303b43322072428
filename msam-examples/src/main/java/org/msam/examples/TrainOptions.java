package org.msam.examples;

import java.nio.file.Path;

import org.msam.examples.train.Presets;
import org.msam.examples.train.RunConfig;

import picocli.CommandLine.Option;

/** The options shared by {@code train} and {@code compare}; a preset is applied first, explicit options win. */
final class TrainOptions {
    @Option(names = "--preset", description = "Named recipe: ${COMPLETION-CANDIDATES}", completionCandidates = PresetNames.class)
    String preset;
    @Option(names = "--dataset", description = "fashion-mnist (default; embedded subset), mnist, cifar10, cifar100, imagenet")
    String dataset;
    @Option(names = "--data-dir", description = "Folder with the data set's files (CIFAR: downloaded to ~/.msam/data when absent)")
    Path dataDir;
    @Option(names = "--no-download", description = "Never download; fail if the files are absent")
    boolean noDownload;
    @Option(names = "--model", description = "small-cnn, mlp, wrn-16-1, wrn-16-4, wrn-16-8, wrn-28-10, resnet18, resnet50, resnet50-imagenet, resnet101-imagenet, vit-tiny-cifar, vit-s-32, vit-s-16, vit-b-32, vit-b-16")
    String model;
    @Option(names = "--lr", description = "Peak learning rate")
    Double lr;
    @Option(names = "--momentum", description = "Momentum (SGD) or beta1 (AdamW)")
    Double momentum;
    @Option(names = "--wd", description = "Weight decay: coupled (L2) for SGD/NAG/SAM/MSAM, decoupled for AdamW")
    Double wd;
    @Option(names = "--rho", description = "rho of SAM/MSAM (default: 0.05 for SAM, 3 for MSAM)")
    Double rho;
    @Option(names = "--rho-off-epochs", description = "rho = 0 for this many epochs, then full")
    Integer rhoOffEpochs;
    @Option(names = "--epochs", description = "Epochs")
    Integer epochs;
    @Option(names = "--batch-size", description = "Mini-batch size")
    Integer batchSize;
    @Option(names = "--warmup-epochs", description = "Linear learning-rate warm-up, in epochs")
    Double warmupEpochs;
    @Option(names = "--schedule", description = "cosine or constant")
    String schedule;
    @Option(names = "--label-smoothing", description = "Label smoothing epsilon")
    Double labelSmoothing;
    @Option(names = "--clip-norm", description = "Global gradient-norm clipping (0: off)")
    Double clipNorm;
    @Option(names = "--max-batches", description = "At most this many batches per epoch (quick checks)")
    Integer maxBatches;
    @Option(names = "--train-subset", description = "At most this many training images, class-balanced")
    Integer trainSubset;
    @Option(names = "--test-subset", description = "At most this many test images")
    Integer testSubset;
    @Option(names = "--no-augment", description = "No crop/flip/cutout for CIFAR")
    boolean noAugment;
    @Option(names = "--threads", description = "ND4J threads (default: ND4J's choice)")
    Integer threads;
    @Option(names = "--image-size", description = "Image side for ImageNet folders")
    Integer imageSize;
    @Option(names = "--diagnostics", description = "MSAM only: record cos(v, g), the loss at θ and θ̃, ‖v‖ and the "
            + "perturbation every N iterations into diagnostics.csv and diagnostics-*.png (costs two inference passes "
            + "per recorded batch)")
    Integer diagnostics;
    @Option(names = "--bn-batches", description = "Batches to recompute BatchNorm statistics at the true weights after MSAM")
    Integer bnBatches;
    @Option(names = "--label-noise", description = "Replace this fraction of the training labels by another class, drawn uniformly (test labels untouched)")
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

    /** @return the configuration: defaults, then the preset, then the explicit options */
    RunConfig toConfig(String optimizer, Long seed) {
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
        if (dataset != null) {
            c.dataset = dataset;
        }
        if (dataDir != null) {
            c.dataDir = dataDir.toAbsolutePath().normalize().toString();
        }
        if (noDownload) {
            c.download = false;
        }
        if (model != null) {
            c.model = model;
        }
        if (lr != null) {
            c.learningRate = lr;
        }
        if (momentum != null) {
            c.momentum = momentum;
        }
        if (wd != null) {
            c.weightDecay = wd;
        }
        if (rho != null) {
            c.rho = rho;
        }
        if (rhoOffEpochs != null) {
            c.rhoOffEpochs = rhoOffEpochs;
        }
        if (epochs != null) {
            c.epochs = epochs;
        }
        if (batchSize != null) {
            c.batchSize = batchSize;
        }
        if (warmupEpochs != null) {
            c.warmupEpochs = warmupEpochs;
        }
        if (schedule != null) {
            c.schedule = schedule;
        }
        if (labelSmoothing != null) {
            c.labelSmoothing = labelSmoothing;
        }
        if (clipNorm != null) {
            c.clipNorm = clipNorm;
        }
        if (maxBatches != null) {
            c.maxBatches = maxBatches;
        }
        if (trainSubset != null) {
            c.trainSubset = trainSubset;
        }
        if (testSubset != null) {
            c.testSubset = testSubset;
        }
        if (noAugment) {
            c.augment = false;
        }
        if (threads != null) {
            c.threads = threads;
        }
        if (imageSize != null) {
            c.imageSize = imageSize;
        }
        if (diagnostics != null) {
            c.diagnosticsEvery = diagnostics;
        }
        if (bnBatches != null) {
            c.bnRecomputeBatches = bnBatches;
        }
        if (labelNoise != null) {
            c.labelNoise = labelNoise;
        }
        if (labelNoiseSeed != null) {
            c.labelNoiseSeed = labelNoiseSeed;
        }
        if (seed != null) {
            c.seed = seed;
        }
        return c;
    }
}
