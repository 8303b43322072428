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

    private Comparison() {
    }

    /**
     * @param results runs by optimizer, in the order to report
     * @return one row per optimizer; time ratios are relative to "sgd" when present, else to the first optimizer
     */
    public static List<Row> rows(Map<String, List<RunResult>> results) {
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
        Row ref = rows.stream().filter(r -> r.optimizer.equals("sgd")).findFirst().orElse(rows.get(0));
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

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    static double std(double[] x) {
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
        StringBuilder sb = new StringBuilder();
        sb.append("| optimizer | runs | test accuracy (mean ± std) | test loss | train time (s) | time / ")
                .append(reference).append(" | median epoch (s) | epoch time / ").append(reference)
                .append(" |\n|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% ± %.2f | %.4f | %.1f | %.2f | %.2f | %.2f |%n",
                    r.optimizer, r.runs, 100 * r.accuracyMean, 100 * r.accuracyStd, r.lossMean, r.seconds,
                    r.timeRatio, r.epochSeconds, r.epochTimeRatio));
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
        List<Row> rows = rows(results);
        String reference = results.containsKey("sgd") ? "sgd" : rows.get(0).optimizer;
        StringBuilder md = new StringBuilder("# Comparison\n\nCommand: `").append(command).append("`\n\n");
        md.append(markdown(rows, reference));
        md.append("\nTest accuracy at the true weights θ after the last epoch (for MSAM with BatchNorm after "
                + "recomputing the statistics at θ); training time excludes evaluation.\n");
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
