package org.msam.examples;

import java.nio.file.Path;

import org.msam.examples.train.Presets;
import org.msam.examples.train.RunConfig;

import org.msam.examples.train.Optimizer;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.annotation.PropertyAccessor;
import org.nd4j.shade.jackson.databind.ObjectMapper;

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
    @Option(names = "--rho", description = "rho of the sharpness-aware optimizers (not mesa). Default: MSAM 0.3 on small-cnn, 1 on mlp, 3 on the "
            + "other models; SAM, BN-only SAM, LookSAM and ESAM 0.05; ASAM 0.5; adaptive and BN-only MSAM 3. config.json "
            + "records the value used")
    @JsonProperty("rho")
    Double rho;
    @JsonProperty("adaptiveEta")
    @Option(names = "--adaptive-eta", description = "eta_a of adaptive SAM (--optimizer asam; default 0.01)")
    Double adaptiveEta;
    @JsonProperty("weightFraction")
    @Option(names = "--weight-fraction", description = "beta of ESAM: the fraction of variables perturbed (--optimizer esam; default 0.5)")
    Double weightFraction;
    @JsonProperty("sampleFraction")
    @Option(names = "--sample-fraction", description = "gamma of ESAM: the fraction of the mini-batch of the second pass (--optimizer esam; default 0.5)")
    Double sampleFraction;
    @JsonProperty("mesaLambda")
    @Option(names = "--mesa-lambda", description = "lambda of MESA, the weight of the distillation term (--optimizer mesa; default 0.8)")
    Double mesaLambda;
    @JsonProperty("mesaTemperature")
    @Option(names = "--temperature", description = "tau of MESA (--optimizer mesa; default 5)")
    Double mesaTemperature;
    @JsonProperty("emaDecay")
    @Option(names = "--ema-decay", description = "beta_e of MESA's EMA of the weights (--optimizer mesa; default 0.9998)")
    Double emaDecay;
    @JsonProperty("mesaStartEpoch")
    @Option(names = "--mesa-start-epoch", description = "First epoch (0-based) of MESA's distillation term (--optimizer mesa; default 5)")
    Integer mesaStartEpoch;
    @Option(names = "--rho-off-epochs", description = "rho = 0 for this many epochs, then full (msam, amsam, bnmsam only; default 0)")
    @JsonProperty("rhoOffEpochs")
    Integer rhoOffEpochs;
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
        return c;
    }
}
