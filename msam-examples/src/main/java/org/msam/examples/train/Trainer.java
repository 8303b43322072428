package org.msam.examples.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.msam.dl4j.GlobalGradientClipping;
import org.msam.dl4j.MsamDiagnostics;
import org.msam.dl4j.SharpnessAware;
import org.msam.examples.data.PrefetchingDataSetIterator;
import org.msam.examples.models.Models;
import org.msam.rules.Hyperparameter;
import org.msam.rule.Need;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Trains one configuration: builds the model with the chosen optimizer, trains epoch by epoch with
 * {@code fit(iterator)}, evaluates on the test set at the true weights θ after every epoch, writes metrics
 * ({@code metrics.csv}, {@code result.json}), plots ({@code loss.png}, {@code accuracy.png}) and an atomic
 * checkpoint, and can resume from that checkpoint exactly (same data order, dropout masks, optimizer state).
 * For MSAM on a model with BatchNorm, the statistics are recomputed at θ at the end
 * ({@link SharpnessAware#finish}) before the final evaluation. With {@code --workers N > 1} each epoch is trained by
 * {@link SharpnessAware#parallelWrapper} (AVERAGING after every round of N mini-batches); the schedules count rounds.
 */
public final class Trainer {
    private final RunConfig config;
    private final Path out;
    private final PrintStream log;
    private final boolean progress;
    /** Ends the session after this many epochs, leaving a checkpoint to resume from. */
    private int stopAfterEpochs = Integer.MAX_VALUE;
    private boolean overwrite;
    private boolean quiet;
    private java.util.function.Function<RunConfig, DataSource> dataLoader;

    /**
     * @param config   the run
     * @param out      output folder (created if needed)
     * @param log      where to print the per-epoch lines
     * @param progress whether to show the progress of each epoch
     */
    public Trainer(RunConfig config, Path out, PrintStream log, boolean progress) {
        this.config = config;
        this.out = out;
        this.log = log;
        this.progress = progress;
    }

    /**
     * @param overwrite replace the run already in the output folder (without it such a folder is refused unless
     *                  the run is resumed)
     * @return this trainer
     */
    public Trainer overwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return this;
    }

    /**
     * @param epochs end this session after this many epochs, with a checkpoint to resume from
     * @return this trainer
     */
    public Trainer stopAfterEpochs(int epochs) {
        this.stopAfterEpochs = epochs;
        return this;
    }

    /**
     * @param quiet do not announce the resumption (for sessions of one epoch each)
     * @return this trainer
     */
    public Trainer quiet(boolean quiet) {
        this.quiet = quiet;
        return this;
    }

    /**
     * @param loader loads the data of a configuration (e.g. a cache shared by the runs of a comparison)
     * @return this trainer
     */
    public Trainer dataLoader(java.util.function.Function<RunConfig, DataSource> loader) {
        this.dataLoader = loader;
        return this;
    }

    /**
     * @param resume continue from the checkpoint in the output folder
     * @return the result; {@link RunResult#complete()} is false when the session stopped early (see
     *     {@link #stopAfterEpochs})
     * @throws IOException              if data or checkpoint files cannot be read or results written, if the output
     *                                  folder is not writable, holds another run or is locked by another process
     * @throws IllegalArgumentException for an invalid configuration (every problem is named)
     * @throws IllegalStateException    when the loss or the gradient becomes non-finite (the last checkpoint is kept)
     */
    public RunResult run(boolean resume) throws IOException {
        List<String> problems = config.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid options: " + String.join("; ", problems));
        }
        try (RunFolder folder = RunFolder.lock(out, "--output")) {
            return run(folder, resume);
        }
    }

    private RunResult run(RunFolder folder, boolean resume) throws IOException {
        Checkpoint.State state = null;
        RunResult finished = resume && !Checkpoint.exists(out) ? finishedRun(out) : null;
        if (finished != null) {
            requireSameOptions(finished.config, "the finished run in " + out);
            if (!quiet) {
                log.printf("%s finished all %s (result.json; its checkpoint was removed): nothing to do%n",
                        out, epochs(config.epochs));
            }
            return finished;
        }
        // an earlier run this one replaces (--overwrite): its files stay until the new run's first checkpoint
        boolean replacing = false;
        if (resume) {
            state = Checkpoint.readState(out);
            requireSameOptions(state.config, "the saved run");
            if (state.finished) {
                if (!quiet) {
                    log.printf("%s finished all %s: nothing to do%n", out, epochs(config.epochs));
                }
                return finishedResult(state);
            }
        } else {
            List<String> found = folder.runFiles();
            if (!found.isEmpty() && !overwrite) {
                throw new IOException("--output " + folder.dir() + " already holds a run (" + String.join(", ", found)
                        + "). Fix: continue it with --resume, replace it with --overwrite, or choose another "
                        + "--output.");
            }
            if (RunFolder.holdsComparison(folder.dir()) && !overwrite) {
                throw new IOException("--output " + folder.dir() + " holds a comparison (compare.md, its plots): a "
                        + "run there would replace its plots. Fix: choose another --output, or replace them with "
                        + "--overwrite.");
            }
            replacing = !found.isEmpty() || RunFolder.holdsComparison(folder.dir())
                    || java.nio.file.Files.exists(out.resolve("config.json"));
        }
        folder.deleteStaleTemporaries();
        if (config.threads > 0) {
            Nd4j.getEnvironment().setMaxMasterThreads(config.threads);
            Nd4j.getEnvironment().setMaxThreads(config.threads);
        }
        DataSource data = dataLoader != null ? dataLoader.apply(config) : DataSource.load(config, log);
        int iterationsPerEpoch = iterationsPerEpoch(data);
        ComputationGraph net;
        boolean resumed = state != null;
        if (state != null) {
            net = Checkpoint.readModel(out);
        } else {
            state = new Checkpoint.State();
            state.config = config;
            IUpdater updater = Optimizers.create(config, iterationsPerEpoch);
            long[] s = data.shape();
            net = Models.builder(config.model).numClasses(data.numClasses()).inputShape(s[0], s[1], s[2])
                    .seed(config.seed).updater(updater)
                    .l2(config.optimizer.coupledDecay() ? config.weightDecay : 0).dataType(DataType.FLOAT)
                    .init();
        }
        requireNormalizationLayers(net);
        ProgressListener bar = new ProgressListener(progress, System.console() != null, log);
        bar.workers(config.workers * config.accumulate);
        List<TrainingListener> listeners = new ArrayList<>();
        if (!config.optimizer.sharpnessAware()) {
            // SAM and MSAM stop at a non-finite loss themselves
            listeners.add(new NonFiniteGuard());
        }
        if (config.clipNorm > 0) {
            listeners.add(new GlobalGradientClipping(config.clipNorm));
        }
        listeners.add(bar);
        Diagnostics diagnostics = null;
        if (config.diagnosticsEvery > 0) {
            diagnostics = new Diagnostics(out.resolve("diagnostics.csv"), config.diagnosticsEvery,
                    resume ? net.getIterationCount() : 0);
            listeners.add(diagnostics.listener);
        }
        config.optimizer.install(net, config.accumulate, listeners.toArray(new TrainingListener[0]));
        ParallelWrapper workers = config.workers > 1 ? SharpnessAware.parallelWrapper(net).workers(config.workers)
                .averagingFrequency(1).averageUpdaters(true).trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
                .prefetchBuffer(0).build() : null;
        boolean recomputeBatchNorm = config.optimizer.needs(Need.HELD_PERTURBATION) && hasBatchNorm(net);
        if (resumed && !quiet) {
            log.printf("Resuming %s after epoch %d of %d%n", out, state.epochsDone, config.epochs);
        }
        if (!replacing) {
            Json.writeAtomically(out.resolve("config.json"), Json.write(config));
        }

        RunResult result = new RunResult();
        result.config = config;
        result.outputDir = out.toAbsolutePath().toString();
        result.epochs.addAll(state.metrics);
        result.trainSeconds = state.trainSeconds;
        int last = (int) Math.min(config.epochs, (long) state.epochsDone + stopAfterEpochs);
        for (int epoch = state.epochsDone; epoch < last; epoch++) {
            Nd4j.getRandom().setSeed(config.seed * 1_000_003L + epoch);
            bar.startEpoch(String.format("%s epoch %d/%d", config.optimizer, epoch + 1, config.epochs),
                    iterationsPerEpoch);
            try (PrefetchingDataSetIterator it = new PrefetchingDataSetIterator(data.train(epoch))) {
                if (workers != null) {
                    workers.fit(it);
                } else {
                    net.fit(it);
                }
            } catch (NonFiniteGuard.NonFiniteException e) {
                bar.endEpoch();
                throw diverged(e.getMessage(), e, epoch, replacing);
            } catch (ArithmeticException e) {
                // the sharpness-aware rules refuse a non-finite loss or gradient before the step
                bar.endEpoch();
                throw diverged("the loss or the gradient became non-finite in epoch " + (epoch + 1) + " (the step "
                        + "that met it was not applied)", e, epoch, replacing);
            }
            double seconds = bar.endEpoch();
            EpochMetrics m = new EpochMetrics();
            m.epoch = epoch + 1;
            m.trainLoss = bar.meanLoss();
            m.trainAccuracy = bar.accuracy();
            m.seconds = seconds;
            m.imagesPerSecond = imagesPerEpoch(data) / Math.max(seconds, 1e-9);
            m.learningRate = Optimizers.learningRate(config, iterationsPerEpoch)
                    .valueAt(Math.max(0, net.getIterationCount() - 1), epoch);
            double[] test = evaluate(net, data.test());
            m.testLoss = test[0];
            m.testAccuracy = test[1];
            if (!Double.isFinite(m.testLoss)) {
                throw diverged("the test loss after epoch " + (epoch + 1) + " is " + m.testLoss + " (the parameters "
                        + "are finite, the model's outputs overflow)", null, epoch, replacing);
            }
            result.epochs.add(m);
            result.trainSeconds += seconds;
            log.printf("%s epoch %d/%d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | %.1f s, %.0f img/s%n",
                    config.optimizer, m.epoch, config.epochs, m.trainLoss, m.trainAccuracy, m.testLoss,
                    m.testAccuracy, m.seconds, m.imagesPerSecond);
            state.epochsDone = epoch + 1;
            state.metrics = new ArrayList<>(result.epochs);
            state.trainSeconds = result.trainSeconds;
            state.config = config;
            if (state.epochsDone == config.epochs && !recomputeBatchNorm) {
                state.finish(m.testLoss, m.testAccuracy);
            }
            // the checkpoint first: metrics, result and diagnostics are never ahead of it
            Checkpoint.save(out, net, state);
            if (replacing) {
                // the new run's first checkpoint has replaced the earlier run's: the rest of that run goes now
                folder.deleteRunFiles(Checkpoint.FILE);
                Json.writeAtomically(out.resolve("config.json"), Json.write(config));
                replacing = false;
            }
            if (diagnostics != null) {
                diagnostics.flush(out);
            }
            writeMetrics(result);
        }
        EpochMetrics end = result.last();
        result.finalTestAccuracy = end.testAccuracy;
        result.finalTestLoss = end.testLoss;
        if (last < config.epochs) {
            return result;
        }
        if (recomputeBatchNorm && !state.finished) {
            SharpnessAware.finish(net, data.trainPlain(), bnRecomputeBatches());
            double[] test = evaluate(net, data.test());
            if (!Double.isFinite(test[0])) {
                throw diverged("the test loss after recomputing the BatchNorm statistics is " + test[0], null,
                        config.epochs, false);
            }
            result.finalTestLoss = test[0];
            result.finalTestAccuracy = test[1];
            log.printf("BatchNorm statistics recomputed at θ: test loss %.4f acc %.4f%n", test[0], test[1]);
            // the saved model is the one reported: with the recomputed statistics
            state.finish(test[0], test[1]);
            Checkpoint.save(out, net, state);
        }
        writeMetrics(result);
        return result;
    }

    /** @return "1 epoch" or "n epochs" */
    static String epochs(int n) {
        return n == 1 ? "1 epoch" : n + " epochs";
    }

    /** @return the result of a run whose checkpoint says it finished (its final model is saved) */
    private RunResult finishedResult(Checkpoint.State state) {
        RunResult r = new RunResult();
        r.config = config;
        r.outputDir = out.toAbsolutePath().toString();
        r.epochs.addAll(state.metrics);
        r.trainSeconds = state.trainSeconds;
        r.finalTestLoss = state.finalTestLoss;
        r.finalTestAccuracy = state.finalTestAccuracy;
        return r;
    }

    /**
     * @return batches of the BatchNorm recomputation: {@code --bn-batches}, at most {@code --max-batches} (a quick
     *     check stays quick)
     */
    int bnRecomputeBatches() {
        if (config.maxBatches <= 0) {
            return config.bnRecomputeBatches;
        }
        return config.bnRecomputeBatches <= 0 ? config.maxBatches
                : Math.min(config.bnRecomputeBatches, config.maxBatches);
    }

    /** @return the training images of one epoch (every worker's) */
    private long imagesPerEpoch(DataSource data) {
        long n = data.trainSize();
        return config.maxBatches > 0 ? Math.min(n, (long) config.maxBatches * config.batchSize) : n;
    }

    /** BN-only methods perturb the normalisation layers only: refuse a model without them, in the user's terms. */
    private void requireNormalizationLayers(ComputationGraph net) {
        if (config.optimizer.needs(Need.NORMALIZATION_LAYERS) && !hasNormalization(net)) {
            throw new IllegalArgumentException("--optimizer " + config.optimizer + " perturbs only the γ and β of "
                    + "BatchNorm and LayerNorm layers, and --model " + config.model + " has none. Fix: choose "
                    + "an --optimizer that perturbs every variable (" + String.join(", ", Rules.all().stream()
                    .filter(r -> !r.needs(Need.NORMALIZATION_LAYERS)).map(RuleSpec::name)
                    .collect(java.util.stream.Collectors.toList())) + "), or a model with BatchNorm "
                    + "(small-cnn, wrn-*, resnet*) or LayerNorm (vit-*).");
        }
    }

    private IllegalStateException diverged(String what, RuntimeException cause, int epoch, boolean replacing) {
        String kept = replacing ? "The earlier run in " + out.toAbsolutePath() + " is kept as it was."
                : epoch == 0 ? "No checkpoint was written (the first epoch did not finish)."
                : "The checkpoint of epoch " + epoch + " in " + out.resolve(Checkpoint.FILE).toAbsolutePath()
                        + " and its metrics are kept.";
        return new IllegalStateException(config.optimizer + " stopped: " + what + ". " + kept + " Fix: "
                + String.join(", ", fixes()) + "; then start again with --overwrite.", cause);
    }

    /** @return the options that can cause a non-finite loss with this run's optimizer, with their values */
    private List<String> fixes() {
        List<String> f = new ArrayList<>();
        f.add("lower --lr (now " + config.learningRate + ")");
        if (config.optimizer.takesRho() && config.rho != null) {
            f.add("lower --rho (now " + config.rho + ")");
        }
        RuleSpec rule = config.optimizer.rule();
        if (rule != null) {
            for (Hyperparameter h : rule.hyperparameters()) {
                Number given = config.get(h.name());
                if (!Rules.RHO.equals(h.name())) {
                    f.add("check " + h.option() + " (now " + (given != null ? given : h.defaultValue() + " (default)")
                            + ")");
                }
            }
        }
        f.add("add a warm-up (--warmup-epochs) or gradient clipping (--clip-norm)");
        return f;
    }

    /**
     * {@link MsamDiagnostics} kept in memory and written to {@code diagnostics.csv} after each epoch's checkpoint
     * (never before the first: an earlier run's file stays until then); a resumed run continues the file from the
     * last checkpoint.
     */
    private static final class Diagnostics {
        final MsamDiagnostics listener;
        final Path csv;
        final StringBuilder text;
        int written;

        /** @param firstIteration the iteration training starts from: rows from it on are dropped from the file */
        Diagnostics(Path csv, int every, int firstIteration) throws IOException {
            this.listener = new MsamDiagnostics(null, every);
            this.csv = csv;
            StringBuilder kept = new StringBuilder(MsamDiagnostics.HEADER).append('\n');
            if (firstIteration > 0 && Files.exists(csv)) {
                List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
                for (String line : lines.subList(1, lines.size())) {
                    if (Integer.parseInt(line.substring(0, line.indexOf(','))) < firstIteration) {
                        kept.append(line).append('\n');
                    }
                }
            }
            this.text = kept;
        }

        void flush(Path dir) throws IOException {
            List<MsamDiagnostics.Row> rows = listener.rows();
            for (int i = written; i < rows.size(); i++) {
                text.append(rows.get(i).csv()).append('\n');
            }
            Json.writeAtomically(csv, text.toString());
            written = rows.size();
            Plots.diagnostics(dir, csv);
        }
    }

    /**
     * @return optimizer steps per epoch: mini-batches, or rounds of {@code --workers} mini-batches; with {@code
     *     --accumulate K}, whole windows of K of those
     */
    private int iterationsPerEpoch(DataSource data) {
        int batches = data.trainBatches();
        if (batches == 0) {
            throw new IllegalArgumentException("--accumulate " + config.accumulate + (config.workers > 1 ? " with "
                    + "--workers " + config.workers : "") + " needs at least " + config.accumulate * config.workers
                    + " mini-batches per epoch, and an epoch has " + data.epochBatches() + " of --batch-size "
                    + config.batchSize
                    + ". Fix: lower --accumulate or --batch-size.");
        }
        int rounds = (batches + config.workers - 1) / config.workers;
        return rounds / config.accumulate;
    }

    private void writeMetrics(RunResult r) throws IOException {
        StringBuilder csv = new StringBuilder(EpochMetrics.HEADER).append('\n');
        for (EpochMetrics m : r.epochs) {
            csv.append(m.csv()).append('\n');
        }
        Json.writeAtomically(out.resolve("metrics.csv"), csv.toString());
        Json.writeAtomically(out.resolve("result.json"), Json.write(r));
        Map<String, List<EpochMetrics>> one = new LinkedHashMap<>();
        one.put(config.optimizer.name(), r.epochs);
        Plots.write(out, one);
    }

    private static boolean hasNormalization(ComputationGraph net) {
        for (org.deeplearning4j.nn.conf.graph.GraphVertex v : net.getConfiguration().getVertices().values()) {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex) {
                Object l = ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer();
                String n = l.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
                if (n.contains("batchnorm") || n.contains("layernorm")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean hasBatchNorm(ComputationGraph net) {
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return {test cross-entropy, test accuracy} at the weights the network holds (θ after fit(iterator))
     */
    static double[] evaluate(ComputationGraph net, DataSetIterator test) {
        double loss = 0;
        long correct = 0;
        long n = 0;
        test.reset();
        while (test.hasNext()) {
            DataSet ds = test.next();
            INDArray p = net.outputSingle(false, ds.getFeatures());
            INDArray y = ds.getLabels().castTo(p.dataType());
            loss -= Transforms.log(p.add(1e-12), false).muli(y).sumNumber().doubleValue();
            correct += p.argMax(1).eq(y.argMax(1)).castTo(DataType.INT).sumNumber().longValue();
            n += ds.numExamples();
        }
        return new double[] {loss / n, (double) correct / n};
    }

    /**
     * The result of a run that trained all its epochs, read from its {@code result.json}; {@code --resume} takes it
     * as it is when the run's checkpoint has been removed (to save disk, or because only the results were kept),
     * so a comparison can be extended by more seeds without its finished runs.
     *
     * @param dir run folder
     * @return the finished run's result, or null when the folder holds no result of every epoch
     * @throws IOException if {@code result.json} exists but cannot be read
     */
    public static RunResult finishedRun(Path dir) throws IOException {
        Path f = dir.resolve("result.json");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        RunResult r;
        try {
            r = Json.read(Files.readString(f), RunResult.class);
        } catch (IOException e) {
            throw new IOException("Cannot read " + f + " (" + e.getMessage() + "): it is not a result written by "
                    + "this program, or it is damaged. Nothing was changed; move it away or choose another --output.",
                    e);
        }
        return r.complete() ? r : null;
    }

    /**
     * @param saved the saved run's options
     * @param which the saved run, for the message
     * @throws IllegalArgumentException naming every option that differs from this run's
     */
    private void requireSameOptions(RunConfig saved, String which) {
        List<String> diff = differences(saved, config);
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException("--resume with different options than " + which + " ("
                    + String.join("; ", diff) + "). Use the same options (the learning-rate schedule depends on "
                    + "them), or start a new run in another --output folder.");
        }
    }

    /** @return the options that differ between the saved and the requested run (--threads may differ) */
    static List<String> differences(RunConfig saved, RunConfig now) {
        RunConfig a = saved.copy();
        RunConfig b = now.copy();
        a.threads = 0;
        b.threads = 0;
        List<String> diff = new ArrayList<>();
        Map<?, ?> ma = Json.MAPPER.convertValue(a, Map.class);
        Map<?, ?> mb = Json.MAPPER.convertValue(b, Map.class);
        for (Object k : ma.keySet()) {
            if (!java.util.Objects.equals(ma.get(k), mb.get(k))) {
                diff.add(RunConfig.option(String.valueOf(k)) + ": saved " + ma.get(k) + ", now " + mb.get(k));
            }
        }
        return diff;
    }
}
