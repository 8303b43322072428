package org.msam.examples.analysis;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.msam.analysis.LossLandscape;
import org.msam.dl4j.PerturbationScope;
import org.msam.dl4j.SharpnessAware;
import org.msam.examples.train.Checkpoint;
import org.msam.examples.train.Comparison;
import org.msam.examples.train.DataSource;
import org.msam.examples.train.RunConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code analyze}: loss-landscape measurements of trained runs with {@link LossLandscape}, at each run's true
 * weights θ (the checkpoint holds θ; MSAM/SAM models are moved to θ through {@link SharpnessAware#unperturbed}
 * all the same, should a checkpoint carry the perturbation). For every run: L(θ) on the chosen data, the top
 * Hessian eigenvalues ({@code --hessian K}), sharpness curves S(r) = L(θ + r·d/‖d‖) − L(θ) along the gradient,
 * the optimizer's momentum and filter-normalised random directions, a 2-D loss surface over the plane of two
 * directions (each normalised to length 1, coefficients over the radii's range), and the feature rank of a layer.
 *
 * <p>Writes into {@code --output}: {@code analysis.md} (one row per run), {@code hessian.csv},
 * {@code sharpness.csv}, {@code sharpness.png} (the paper's Fig. 4), {@code landscape-2d-RUN.csv} and
 * {@code landscape-2d-RUN.png} (Fig. A.13).
 *
 * <pre>
 *   analyze runs/compare/sgd-seed1 runs/compare/msam-seed1 --hessian 5 --train-subset 1000 --feature-rank fc1
 *   analyze --checkpoint runs/msam --directions gradient,momentum,random --radii -2,-1,0,1,2 --landscape-2d 11
 * </pre>
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Loss-landscape analysis of trained runs: Hessian eigenvalues, sharpness curves, 2-D loss "
                + "surface, feature rank.")
public final class Analyze implements Callable<Integer> {
    private final PrintStream out;

    @Parameters(paramLabel = "RUN", arity = "0..*", description = "Run folders (holding checkpoint.zip)")
    List<Path> runs = new ArrayList<>();
    @Option(names = "--checkpoint", description = "A run folder or its checkpoint.zip; repeat for several runs")
    List<Path> checkpoints = new ArrayList<>();
    @Option(names = "--on", description = "Data to measure on: train (default; no augmentation, no label smoothing) "
            + "or test")
    String on = "train";
    @Option(names = "--dataset", description = "Override the run's data set")
    String dataset;
    @Option(names = "--data-dir", description = "Override the run's data folder")
    Path dataDir;
    @Option(names = "--no-download", description = "Never download; fail if the files are absent")
    boolean noDownload;
    @Option(names = "--batch-size", description = "Mini-batch size of the passes (default: the run's); with "
            + "BatchNorm the gradient and Hessian depend on it")
    Integer batchSize;
    @Option(names = "--train-subset", description = "At most this many training images, class-balanced (default: "
            + "the run's)")
    Integer trainSubset;
    @Option(names = "--test-subset", description = "At most this many test images (default: the run's)")
    Integer testSubset;
    @Option(names = "--threads", description = "ND4J threads (default: ND4J's choice)")
    Integer threads;
    @Mixin
    AnalysisOptions m = new AnalysisOptions();
    @Option(names = "--seed", description = "Seed of the random directions (random2 uses seed + 1; default 1)")
    long seed = 1;
    @Option(names = "--output", description = "Output folder (default: RUN/analysis for one run, runs/analysis "
            + "for several)")
    Path output;
    @Option(names = "--no-progress", description = "Plain progress lines instead of progress bars")
    boolean noProgress;

    /** @param out where messages go */
    public Analyze(PrintStream out) {
        this.out = out;
    }

    /**
     * The analysis {@code compare --analyze} runs: every run on its own training data (optionally a class-balanced
     * subset of it), with the given measurements.
     *
     * @param out         where messages go
     * @param measure     what to measure
     * @param runs        the run folders
     * @param output      where the files go
     * @param trainSubset at most this many training images, or null for the runs' own training sets
     * @param progress    whether to show progress bars
     * @return the command, ready to {@link #run()}
     */
    public static Analyze of(PrintStream out, AnalysisOptions measure, List<Path> runs, Path output,
                             Integer trainSubset, boolean progress) {
        Analyze a = new Analyze(out);
        a.m = measure;
        a.runs = new ArrayList<>(runs);
        a.output = output;
        a.trainSubset = trainSubset;
        a.noProgress = !progress;
        return a;
    }

    /**
     * The columns a comparison table gains from an analysis: for each row label, the means over its runs of L(θ),
     * the largest Hessian eigenvalue (± the sample standard deviation over runs) and the K-th, S(r) at the largest
     * radius along each direction, and the feature rank.
     *
     * @param labels  the row label of each result, in the order of {@code results}
     * @param results the results of {@link #run()}
     * @param headers receives the column headers
     * @return the cells of each label's row, in the order of the headers
     */
    public Map<String, List<String>> columns(List<String> labels, List<Result> results, List<String> headers) {
        double[] r = m.radiiOrDefault();
        int iMax = largest(r);
        double rMax = r[iMax];
        List<String> dirs = m.checked();
        headers.add("L(θ) " + on);
        if (m.hessian > 0) {
            headers.add("λ1 (mean ± std)");
            if (m.hessian > 1) {
                headers.add("λ" + m.hessian);
            }
        }
        for (String d : dirs) {
            headers.add("S(" + num(rMax) + ") " + d);
        }
        if (m.featureLayer != null) {
            headers.add("feature rank " + m.featureLayer);
        }
        Map<String, List<Result>> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            byLabel.computeIfAbsent(labels.get(i), k -> new ArrayList<>()).add(results.get(i));
        }
        Map<String, List<String>> cells = new LinkedHashMap<>();
        for (Map.Entry<String, List<Result>> e : byLabel.entrySet()) {
            List<Result> rs = e.getValue();
            List<String> row = new ArrayList<>();
            row.add(String.format(Locale.ROOT, "%.4f",
                    Comparison.mean(rs.stream().mapToDouble(x -> x.loss).toArray())));
            if (m.hessian > 0) {
                double[] top = rs.stream().mapToDouble(x -> x.eigenvalues[0]).toArray();
                row.add(String.format(Locale.ROOT, "%.4g", Comparison.mean(top))
                        + (top.length > 1 ? String.format(Locale.ROOT, " ± %.2g", Comparison.std(top)) : ""));
                if (m.hessian > 1) {
                    row.add(String.format(Locale.ROOT, "%.4g",
                            Comparison.mean(rs.stream().mapToDouble(x -> x.eigenvalues[m.hessian - 1]).toArray())));
                }
            }
            final int at = iMax;
            for (String d : dirs) {
                row.add(String.format(Locale.ROOT, "%.4f",
                        Comparison.mean(rs.stream().mapToDouble(x -> x.sharpness.get(d)[at]).toArray())));
            }
            if (m.featureLayer != null) {
                row.add(String.format(Locale.ROOT, "%.1f", Comparison.mean(rs.stream().mapToDouble(x -> x.featureRank)
                        .toArray())));
            }
            cells.put(e.getKey(), row);
        }
        return cells;
    }

    /** @return the index of the largest radius, whose S(r) the tables show */
    private static int largest(double[] r) {
        int iMax = 0;
        for (int i = 1; i < r.length; i++) {
            if (r[i] > r[iMax]) {
                iMax = i;
            }
        }
        return iMax;
    }


    /** What was measured on one run. */
    public static final class Result {
        /** Run name (its folder's name). */
        public String run;
        /** Its optimizer. */
        public String optimizer;
        /** Samples measured on. */
        public long samples;
        /** L(θ). */
        public double loss;
        /** Top Hessian eigenvalues (empty when not asked for). */
        public double[] eigenvalues = new double[0];
        /** S(r) by direction. */
        public Map<String, double[]> sharpness = new LinkedHashMap<>();
        /** The 2-D surface, or null. */
        public double[][] surface;
        /** Feature rank, or -1. */
        public int featureRank = -1;
    }

    @Override
    public Integer call() throws Exception {
        List<Result> results = run();
        out.println("Analysis: " + outputDir().resolve("analysis.md").toAbsolutePath() + " (" + results.size()
                + " run" + (results.size() == 1 ? "" : "s") + ")");
        return 0;
    }

    private List<Path> runFolders() {
        List<Path> all = new ArrayList<>(runs);
        for (Path c : checkpoints) {
            all.add(Files.isRegularFile(c) ? (c.toAbsolutePath().getParent()) : c);
        }
        return all;
    }

    private Path outputDir() {
        if (output != null) {
            return output;
        }
        List<Path> r = runFolders();
        return r.size() == 1 ? r.get(0).resolve("analysis") : Paths.get("runs", "analysis");
    }

    /**
     * Measures every run and writes the files.
     *
     * @return one result per run
     * @throws IOException if a checkpoint or data cannot be read, or a file cannot be written
     */
    public List<Result> run() throws IOException {
        List<Path> folders = runFolders();
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("Give at least one run: analyze RUN_FOLDER... or --checkpoint "
                    + "RUN_FOLDER (the --output folder of train, or one run folder of compare)");
        }
        if (!on.equals("train") && !on.equals("test")) {
            throw new IllegalArgumentException("--on must be train or test, got " + on);
        }
        List<String> dirs = m.checked();
        if (batchSize != null && batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be > 0, got " + batchSize + " (leave it out for "
                    + "the run's own)");
        }
        if (trainSubset != null && trainSubset < 0 || testSubset != null && testSubset < 0) {
            throw new IllegalArgumentException("--train-subset and --test-subset must be >= 0 (0: all), got "
                    + trainSubset + " and " + testSubset);
        }
        if (threads != null && threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0 (0: ND4J's choice), got " + threads);
        }
        for (Path f : folders) {
            if (!Checkpoint.exists(f)) {
                throw new IllegalArgumentException((Files.isDirectory(f) ? "The run folder " + f.toAbsolutePath()
                        + " holds no " + Checkpoint.FILE : "The run folder " + f.toAbsolutePath() + " does not exist")
                        + ": analyze measures a trained model's checkpoint. Fix: give the --output folder of a "
                        + "train run, or one run folder of a comparison (such as runs/compare/msam-seed1). Nothing "
                        + "was written.");
            }
        }
        double[] r = m.radiiOrDefault();
        Path dir = outputDir();
        Files.createDirectories(dir);
        List<Result> results = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path f : folders) {
            String name = f.toAbsolutePath().normalize().getFileName().toString();
            String unique = name;
            for (int i = 2; names.contains(unique); i++) {
                unique = name + "-" + i;
            }
            names.add(unique);
            results.add(analyze(f, unique, r, dirs, dir));
        }
        write(dir, results, r, dirs);
        return results;
    }

    private RunConfig dataConfig(RunConfig saved) {
        RunConfig c = saved.copy();
        if (dataset != null) {
            c.dataset = dataset;
        }
        if (dataDir != null) {
            c.dataDir = dataDir.toAbsolutePath().normalize().toString();
        }
        if (noDownload) {
            c.download = false;
        }
        if (batchSize != null) {
            c.batchSize = batchSize;
        }
        if (trainSubset != null) {
            c.trainSubset = trainSubset;
        }
        if (testSubset != null) {
            c.testSubset = testSubset;
        }
        c.maxBatches = 0;
        return c;
    }

    private Result analyze(Path run, String name, double[] r, List<String> dirs, Path outDir) throws IOException {
        Checkpoint.State state = Checkpoint.readState(run);
        RunConfig c = dataConfig(state.config);
        if (threads != null && threads > 0) {
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.getEnvironment().setMaxThreads(threads);
        }
        DataSource source = DataSource.load(c);
        DataSetIterator data = on.equals("train") ? source.trainPlain() : source.test();
        ComputationGraph net = Checkpoint.readModel(run);
        Result res = new Result();
        res.run = name;
        res.optimizer = c.optimizer.name();
        try (AnalysisProgress progress = new AnalysisProgress(out, !noProgress, false, name)) {
            LossLandscape ll = LossLandscape.defaults().withLanczosSteps(m.lanczosSteps).withProgress(progress);
            boolean sharpnessAware = c.optimizer.sharpnessAware();
            if (sharpnessAware) {
                SharpnessAware.install(net);
            }
            PerturbationScope scope = sharpnessAware ? SharpnessAware.unperturbed(net) : null;
            try {
                res.samples = count(data);
                res.loss = ll.loss(net, data);
                out.printf(Locale.ROOT, "%s: %s, %d %s samples, L(θ) = %.6f%n", name, c.optimizer, res.samples, on,
                        res.loss);
                if (m.hessian > 0) {
                    res.eigenvalues = ll.hessianEigenvalues(net, data, m.hessian);
                    out.printf(Locale.ROOT, "%s: top Hessian eigenvalues %s%n", name, join(res.eigenvalues));
                }
                Map<String, INDArray> cache = new LinkedHashMap<>();
                for (String d : dirs) {
                    res.sharpness.put(d, ll.sharpness(net, data, direction(ll, net, data, d, cache), r));
                }
                if (m.grid > 0) {
                    double extent = 0;
                    for (double x : r) {
                        extent = Math.max(extent, Math.abs(x));
                    }
                    double[] axis = new double[m.grid];
                    for (int i = 0; i < m.grid; i++) {
                        axis[i] = -extent + 2 * extent * i / (m.grid - 1);
                    }
                    INDArray d1 = unit(direction(ll, net, data, m.plane.get(0), cache));
                    INDArray d2 = unit(direction(ll, net, data, m.plane.get(1), cache));
                    res.surface = ll.landscape2d(net, data, d1, d2, axis, axis);
                    writeSurface(outDir, name, axis, res.surface);
                }
                if (m.featureLayer != null) {
                    res.featureRank = ll.featureRank(net, data, m.featureLayer, m.rankFraction);
                    out.printf("%s: feature rank of %s (%s of the sum of singular values) = %d%n", name,
                            m.featureLayer, num(m.rankFraction), res.featureRank);
                }
            } finally {
                if (scope != null) {
                    scope.close();
                }
            }
        }
        return res;
    }

    private static long count(DataSetIterator data) {
        data.reset();
        long n = 0;
        while (data.hasNext()) {
            n += data.next().numExamples();
        }
        return n;
    }

    private static INDArray unit(INDArray d) {
        return d.div(d.norm2Number());
    }

    private INDArray direction(LossLandscape ll, ComputationGraph net, DataSetIterator data, String name,
                               Map<String, INDArray> cache) {
        INDArray d = cache.get(name);
        if (d == null) {
            switch (name) {
                case "gradient":
                    d = ll.gradientDirection(net, data);
                    break;
                case "momentum":
                    d = ll.momentumDirection(net);
                    break;
                case "random":
                    d = ll.filterNormalizedDirection(net, seed);
                    break;
                default:
                    d = ll.filterNormalizedDirection(net, seed + 1);
                    break;
            }
            cache.put(name, d);
        }
        return d;
    }

    private void writeSurface(Path dir, String name, double[] axis, double[][] loss) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,loss\n");
        for (int i = 0; i < axis.length; i++) {
            for (int j = 0; j < axis.length; j++) {
                csv.append(String.format(Locale.ROOT, "%.6g,%.6g,%.10g%n", axis[i], axis[j], loss[i][j]));
            }
        }
        Files.write(dir.resolve("landscape-2d-" + name + ".csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        AnalysisPlots.heatMap(dir.resolve("landscape-2d-" + name + ".png"),
                "Loss of " + name + " on L(θ + a·d1 + b·d2)", axis, axis, loss,
                "a (along " + m.plane.get(0) + ", unit length)", "b (along " + m.plane.get(1) + ", unit length)");
    }

    private void write(Path dir, List<Result> results, double[] r, List<String> dirs) throws IOException {
        StringBuilder hess = new StringBuilder("run,index,eigenvalue\n");
        StringBuilder sharp = new StringBuilder("run,direction,radius,sharpness\n");
        Map<String, double[]> curves = new LinkedHashMap<>();
        for (Result res : results) {
            for (int i = 0; i < res.eigenvalues.length; i++) {
                hess.append(String.format(Locale.ROOT, "%s,%d,%.10g%n", res.run, i + 1, res.eigenvalues[i]));
            }
            for (Map.Entry<String, double[]> e : res.sharpness.entrySet()) {
                for (int i = 0; i < r.length; i++) {
                    sharp.append(String.format(Locale.ROOT, "%s,%s,%.6g,%.10g%n", res.run, e.getKey(), r[i],
                            e.getValue()[i]));
                }
                curves.put(results.size() == 1 ? e.getKey() : res.run + " " + e.getKey(), e.getValue());
            }
        }
        if (m.hessian > 0) {
            Files.write(dir.resolve("hessian.csv"), hess.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (!dirs.isEmpty()) {
            Files.write(dir.resolve("sharpness.csv"), sharp.toString().getBytes(StandardCharsets.UTF_8));
            AnalysisPlots.sharpness(dir.resolve("sharpness.png"), r, curves);
        }
        Files.write(dir.resolve("analysis.md"), markdown(results, r, dirs).getBytes(StandardCharsets.UTF_8));
    }

    private String markdown(List<Result> results, double[] r, List<String> dirs) {
        int iMax = largest(r);
        double rMax = r[iMax];
        StringBuilder md = new StringBuilder("# Loss-landscape analysis\n\n");
        md.append(String.format(Locale.ROOT, "Measured on the %s data at each run's true weights θ; L is the mean "
                + "cross-entropy over the samples in inference mode, without weight decay. S(r) = L(θ + r·d/‖d‖) − "
                + "L(θ). Gradient and Hessian come from DL4J's backward pass, whose BatchNorm uses mini-batch "
                + "statistics.%n%n", on));
        md.append("| run | optimizer | samples | L(θ) |");
        StringBuilder rule = new StringBuilder("|---|---|---|---|");
        if (m.hessian > 0) {
            md.append(" top ").append(m.hessian).append(" Hessian eigenvalues |");
            rule.append("---|");
        }
        for (String d : dirs) {
            md.append(" S(").append(num(rMax)).append(") ").append(d).append(" |");
            rule.append("---|");
        }
        if (m.featureLayer != null) {
            md.append(" feature rank (").append(m.featureLayer).append(", ").append(num(m.rankFraction)).append(") |");
            rule.append("---|");
        }
        md.append('\n').append(rule).append('\n');
        for (Result res : results) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.6f |", res.run, res.optimizer, res.samples,
                    res.loss));
            if (m.hessian > 0) {
                md.append(' ').append(join(res.eigenvalues)).append(" |");
            }
            for (String d : dirs) {
                md.append(String.format(Locale.ROOT, " %.6f |", res.sharpness.get(d)[iMax]));
            }
            if (m.featureLayer != null) {
                md.append(' ').append(res.featureRank).append(" |");
            }
            md.append('\n');
        }
        md.append("\nFiles: ");
        List<String> files = new ArrayList<>();
        if (m.hessian > 0) {
            files.add("hessian.csv");
        }
        if (!dirs.isEmpty()) {
            files.add("sharpness.csv");
            files.add("sharpness.png");
        }
        if (m.grid > 0) {
            files.add("landscape-2d-RUN.csv/.png (plane " + String.join(", ", m.plane) + ", " + m.grid + "×" + m.grid + ")");
        }
        md.append(String.join(", ", files)).append('\n');
        return md.toString();
    }

    private static String num(double x) {
        return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }

    private static String join(double[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4g", v[i]));
        }
        return b.toString();
    }
}
