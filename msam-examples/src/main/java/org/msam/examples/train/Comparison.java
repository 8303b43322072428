package org.msam.examples.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Summarises runs of several optimizers (and seeds) on one recipe: {@code compare.md} and {@code compare.csv}
 * with the test accuracy (mean ± sample standard deviation over seeds), the training time and its ratio to SGD
 * measured in the same comparison, and plots with one line per optimizer (means over seeds).
 *
 * <p>Two time ratios are given: of the whole training time (what a user waits for; it includes any slow-down from
 * other work on the machine) and of the median epoch time (the cost per epoch, robust to such bursts: each run's
 * median over its epochs, averaged over seeds).
 */
public final class Comparison {
    /** One optimizer's summary. */
    public static final class Row {
        /** Optimizer name. */
        public String optimizer;
        /** Number of runs (seeds). */
        public int runs;
        /** Mean final test accuracy. */
        public double accuracyMean;
        /** Sample standard deviation of the final test accuracy (0 for one run). */
        public double accuracyStd;
        /** Mean final test loss. */
        public double lossMean;
        /** Mean training seconds. */
        public double seconds;
        /** Training time relative to the reference optimizer. */
        public double timeRatio;
        /** Mean over runs of each run's median epoch seconds. */
        public double epochSeconds;
        /** Median epoch time relative to the reference optimizer. */
        public double epochTimeRatio;
    }

    /**
     * The file that records which command ({@code compare} or {@code demo}) made the comparison in a folder and with
     * which entries, written before its runs start, so that a later command knows what it would replace.
     */
    public static final String MARKER = "comparison.json";

    private Comparison() {
    }

    /** What a folder's comparison was made by: the command and the entries of {@code --optimizers}. */
    public static final class Record {
        /** {@code compare} or {@code demo}. */
        public String command;
        /** The entries (row labels), in order. */
        public List<String> labels = new ArrayList<>();
    }

    /**
     * @param dir     the comparison folder
     * @param command {@code compare} or {@code demo}
     * @param labels  the entries of {@code --optimizers}
     * @throws IOException if the file cannot be written
     */
    public static void writeRecord(Path dir, String command, List<String> labels) throws IOException {
        Record r = new Record();
        r.command = command;
        r.labels.addAll(labels);
        Json.writeAtomically(dir.resolve(MARKER), Json.write(r));
    }

    /**
     * @param dir a folder
     * @return the comparison it holds: from {@value #MARKER}, else (a folder of an earlier version) from the command
     *     line in {@code compare.md} and the rows of {@code compare.csv}; null when it holds none
     * @throws IOException if a file exists but cannot be read
     */
    public static Record readRecord(Path dir) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (java.nio.file.Files.isRegularFile(marker)) {
            try {
                return Json.read(java.nio.file.Files.readString(marker), Record.class);
            } catch (IOException e) {
                throw new IOException("Cannot read " + marker + " (" + e.getMessage() + "): it is not a file of this "
                        + "program, or it is damaged. Nothing was changed; move it away or choose another --output.",
                        e);
            }
        }
        Path md = dir.resolve("compare.md");
        Path csv = dir.resolve("compare.csv");
        if (!java.nio.file.Files.isRegularFile(md) && !java.nio.file.Files.isRegularFile(csv)) {
            return null;
        }
        Record r = new Record();
        r.command = "compare";
        if (java.nio.file.Files.isRegularFile(md)) {
            for (String line : java.nio.file.Files.readAllLines(md)) {
                if (line.startsWith("Command: `")) {
                    String c = line.substring("Command: `".length()).trim();
                    r.command = c.startsWith("demo") ? "demo" : "compare";
                    break;
                }
            }
        }
        if (java.nio.file.Files.isRegularFile(csv)) {
            List<String> lines = java.nio.file.Files.readAllLines(csv);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                if (!line.isBlank()) {
                    r.labels.add(line.substring(0, line.indexOf(',') < 0 ? line.length() : line.indexOf(',')));
                }
            }
        }
        return r;
    }

    /** One run of a comparison: its row label, configuration and folder. */
    public static final class Job {
        final String label;
        final RunConfig config;
        /** The run folder. */
        public final Path dir;
        final boolean resume;

        /**
         * @param label  the row it belongs to
         * @param config its configuration
         * @param dir    its folder
         * @param resume continue the run saved in the folder
         */
        public Job(String label, RunConfig config, Path dir, boolean resume) {
            this.label = label;
            this.config = config;
            this.dir = dir;
            this.resume = resume;
        }

        /** @return the row it belongs to */
        public String label() {
            return label;
        }
    }

    /**
     * Trains the runs interleaved epoch by epoch: epoch 1 of every run, then epoch 2 of every run, and so on, each
     * session ending with a checkpoint that the next one resumes exactly. A slow-down of the machine (other work)
     * then falls on every optimizer alike instead of on the one that happens to run at the time, so the time
     * ratios measure the optimizers. The data is loaded once per distinct data configuration.
     *
     * @param jobs      the runs
     * @param overwrite replace earlier runs in the folders of the jobs that are not resumed
     * @param log       where the epoch lines go
     * @param progress  whether to show the progress of each epoch
     * @return the results by label, in the order of the jobs
     * @throws IOException if a run cannot read its data or write its results
     */
    public static Map<String, List<RunResult>> interleaved(List<Job> jobs, boolean overwrite, java.io.PrintStream log,
            boolean progress) throws IOException {
        Map<String, DataSource> data = new java.util.HashMap<>();
        java.util.function.Function<RunConfig, DataSource> loader = c -> {
            DataSource d = data.get(DataSource.dataKey(c));
            if (d == null) {
                try {
                    d = DataSource.load(c, log);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                data.put(DataSource.dataKey(c), d);
            }
            return d.withConfig(c);
        };
        RunResult[] done = new RunResult[jobs.size()];
        boolean[] started = new boolean[jobs.size()];
        boolean left = true;
        try {
            while (left) {
                left = false;
                for (int i = 0; i < jobs.size(); i++) {
                    if (done[i] != null) {
                        continue;
                    }
                    Job j = jobs.get(i);
                    RunResult r = new Trainer(j.config, j.dir, log, progress).dataLoader(loader).stopAfterEpochs(1)
                            .overwrite(overwrite && !started[i]).quiet(started[i])
                            .run(started[i] || j.resume);
                    started[i] = true;
                    if (r.complete()) {
                        done[i] = r;
                    } else {
                        left = true;
                    }
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        for (int i = 0; i < jobs.size(); i++) {
            results.computeIfAbsent(jobs.get(i).label, k -> new ArrayList<>()).add(done[i]);
        }
        return results;
    }

    /**
     * @param results runs by optimizer, in the order to report
     * @return one row per optimizer; time ratios are relative to "sgd" when present, else to the first optimizer
     */
    public static List<Row> rows(Map<String, List<RunResult>> results) {
        return rows(results, results.containsKey("sgd") ? "sgd" : results.keySet().iterator().next());
    }

    /**
     * @param results   runs by optimizer, in the order to report
     * @param reference the label the time ratios are relative to
     * @return one row per optimizer
     */
    public static List<Row> rows(Map<String, List<RunResult>> results, String reference) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<RunResult>> e : results.entrySet()) {
            List<RunResult> rs = e.getValue();
            Row r = new Row();
            r.optimizer = e.getKey();
            r.runs = rs.size();
            double[] acc = rs.stream().mapToDouble(x -> x.finalTestAccuracy).toArray();
            r.accuracyMean = mean(acc);
            r.accuracyStd = std(acc);
            r.lossMean = rs.stream().mapToDouble(x -> x.finalTestLoss).average().orElse(Double.NaN);
            r.seconds = rs.stream().mapToDouble(x -> x.trainSeconds).average().orElse(Double.NaN);
            r.epochSeconds = rs.stream().mapToDouble(Comparison::medianEpochSeconds).average().orElse(Double.NaN);
            rows.add(r);
        }
        Row ref = rows.stream().filter(r -> r.optimizer.equals(reference)).findFirst().orElse(rows.get(0));
        for (Row r : rows) {
            r.timeRatio = r.seconds / ref.seconds;
            r.epochTimeRatio = r.epochSeconds / ref.epochSeconds;
        }
        return rows;
    }

    static double medianEpochSeconds(RunResult run) {
        double[] s = run.epochs.stream().mapToDouble(m -> m.seconds).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** @return the mean of {@code x} */
    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** @return the sample standard deviation of {@code x}, 0 for fewer than two values */
    public static double std(double[] x) {
        if (x.length < 2) {
            return 0;
        }
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (x.length - 1));
    }

    /** @return the Markdown table */
    public static String markdown(List<Row> rows, String reference) {
        return markdown(rows, reference, List.of(), Map.of());
    }

    /**
     * @param rows      the rows
     * @param reference the label the time ratios are relative to
     * @param headers   further columns' headers (the analysis of {@code compare --analyze})
     * @param cells     their cells by row label, in the order of {@code headers}
     * @return the Markdown table
     */
    public static String markdown(List<Row> rows, String reference, List<String> headers,
                                  Map<String, List<String>> cells) {
        StringBuilder sb = new StringBuilder();
        sb.append("| optimizer | runs | test accuracy (mean ± std) | test loss | train time (s) | time / ")
                .append(reference).append(" | median epoch (s) | epoch time / ").append(reference).append(" |");
        for (String h : headers) {
            sb.append(' ').append(h).append(" |");
        }
        sb.append("\n|---|---|---|---|---|---|---|---|").append("---|".repeat(headers.size())).append('\n');
        for (Row r : rows) {
            // one run has no spread: "–", not "± 0.00"
            String std = r.runs < 2 ? "–" : String.format(Locale.ROOT, "%.2f", 100 * r.accuracyStd);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% ± %s | %.4f | %.1f | %.2f | %.2f | %.2f |",
                    r.optimizer, r.runs, 100 * r.accuracyMean, std, r.lossMean, r.seconds,
                    r.timeRatio, r.epochSeconds, r.epochTimeRatio));
            List<String> extra = cells.getOrDefault(r.optimizer, List.of());
            for (int i = 0; i < headers.size(); i++) {
                sb.append(' ').append(i < extra.size() ? extra.get(i) : "").append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Writes compare.md, compare.csv, loss.png and accuracy.png into {@code dir}.
     *
     * @param dir     output folder
     * @param results runs by optimizer
     * @param command the command line that produced them, recorded in compare.md
     * @return the rows
     * @throws IOException if writing fails
     */
    public static List<Row> write(Path dir, Map<String, List<RunResult>> results, String command) throws IOException {
        return write(dir, results, results.containsKey("sgd") ? "sgd" : results.keySet().iterator().next(), command);
    }

    /**
     * Writes compare.md, compare.csv, loss.png and accuracy.png into {@code dir}.
     *
     * @param dir       output folder
     * @param results   runs by optimizer
     * @param reference the label the time ratios are relative to
     * @param command   the command line that produced them, recorded in compare.md
     * @return the rows
     * @throws IOException if writing fails
     */
    public static List<Row> write(Path dir, Map<String, List<RunResult>> results, String reference, String command)
            throws IOException {
        return write(dir, results, reference, command, List.of(), Map.of(), "");
    }

    /**
     * Writes compare.md, compare.csv, loss.png and accuracy.png into {@code dir}, with further columns.
     *
     * @param dir       output folder
     * @param results   runs by optimizer
     * @param reference the label the time ratios are relative to
     * @param command   the command line that produced them, recorded in compare.md
     * @param headers   further columns' headers
     * @param cells     their cells by row label, in the order of {@code headers}
     * @param note      a paragraph on the further columns for compare.md ("" for none)
     * @return the rows
     * @throws IOException if writing fails
     */
    public static List<Row> write(Path dir, Map<String, List<RunResult>> results, String reference, String command,
                                  List<String> headers, Map<String, List<String>> cells, String note)
            throws IOException {
        List<Row> rows = rows(results, reference);
        StringBuilder md = new StringBuilder("# Comparison\n\nCommand: `").append(command).append("`\n\n");
        md.append(markdown(rows, reference, headers, cells));
        md.append("\nTest accuracy at the true weights θ after the last epoch (for MSAM with BatchNorm after "
                + "recomputing the statistics at θ); training time excludes evaluation. The runs were trained "
                + "interleaved, epoch 1 of each, then epoch 2 of each, ..., so that a change in the machine's load "
                + "falls on all of them alike.\n");
        if (!note.isEmpty()) {
            md.append('\n').append(note).append('\n');
        }
        Json.writeAtomically(dir.resolve("compare.md"), md.toString());
        StringBuilder csv = new StringBuilder(
                "optimizer,runs,test_accuracy_mean,test_accuracy_std,test_loss_mean,train_seconds,time_ratio,"
                        + "median_epoch_seconds,epoch_time_ratio\n");
        for (Row r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.6f,%.3f,%.4f,%.3f,%.4f%n", r.optimizer, r.runs,
                    r.accuracyMean, r.accuracyStd, r.lossMean, r.seconds, r.timeRatio, r.epochSeconds,
                    r.epochTimeRatio));
        }
        Json.writeAtomically(dir.resolve("compare.csv"), csv.toString());
        Map<String, List<EpochMetrics>> curves = new LinkedHashMap<>();
        for (Map.Entry<String, List<RunResult>> e : results.entrySet()) {
            curves.put(e.getKey(), meanCurve(e.getValue()));
        }
        Plots.write(dir, curves);
        return rows;
    }

    private static List<EpochMetrics> meanCurve(List<RunResult> runs) {
        List<EpochMetrics> mean = new ArrayList<>();
        int epochs = runs.stream().mapToInt(r -> r.epochs.size()).min().orElse(0);
        for (int i = 0; i < epochs; i++) {
            EpochMetrics m = new EpochMetrics();
            m.epoch = i + 1;
            for (RunResult r : runs) {
                EpochMetrics x = r.epochs.get(i);
                m.trainLoss += x.trainLoss / runs.size();
                m.trainAccuracy += x.trainAccuracy / runs.size();
                m.testLoss += x.testLoss / runs.size();
                m.testAccuracy += x.testAccuracy / runs.size();
            }
            mean.add(m);
        }
        return mean;
    }
}
