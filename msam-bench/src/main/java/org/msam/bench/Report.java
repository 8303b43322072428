package org.msam.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Summarises JMH JSON result files ({@code -rf json -rff results.json}) as Markdown: per benchmark method a
 * table of parameters, score ± error and unit, plus the time ratio of each optimizer to the baselines
 * measured in the same file with the same other parameters ({@code OptimizerStepBenchmark}: ND4J's
 * {@code nd4jNesterovs} and our {@code sgd}; {@code TrainingIterationBenchmark}: {@code sgd};
 * {@code Nd4jOpBenchmark}: {@code axpy}), then
 * the analogue of the paper's Table 1 speed row (SGD's time over each optimizer's, next to the paper's figures), and
 * the project's speed targets and whether each is met. "Best" is the fastest measurement iteration: on a
 * shared machine its ratios are less disturbed by other processes than those of the means.
 *
 * <p>Ratios are of times (above 1: slower than the baseline), also for throughput modes; their ± is the
 * relative errors of both scores added in quadrature (JMH's error is a 99.9% confidence half-width). A target
 * whose ratio ± error straddles its bound is reported as "met/missed, within the error".
 * <pre>
 * java -cp msam-bench/target/benchmarks.jar org.msam.bench.Report results.json [more.json ...] [-o report.md]
 * </pre>
 */
public final class Report {
    /** The parameters that name the competitors (the first one a result has is its variant). */
    static final List<String> VARIANT_PARAMS = List.of("optimizer", "op");

    /** Baseline variants per benchmark class (simple name). */
    static final Map<String, List<String>> BASELINES = Map.of(
            "OptimizerStepBenchmark", List.of("nd4jNesterovs", "sgd"),
            "TrainingIterationBenchmark", List.of("sgd"),
            "Nd4jOpBenchmark", List.of("axpy"));

    /** The speed targets of the project. */
    static final List<Target> TARGETS = List.of(
            new Target("TrainingIterationBenchmark", "msam", "sgd", false, 1.03,
                    "MSAM training iteration ≤ 1.03 × SgdMomentum's"),
            new Target("TrainingIterationBenchmark", "sam", "sgd", true, 1.8,
                    "SAM training iteration ≈ 2 × SgdMomentum's (≥ 1.8)"),
            new Target("OptimizerStepBenchmark", "sgd", "nd4jNesterovs", false, 1.0,
                    "SgdMomentum step ≤ ND4J Nesterovs step"),
            new Target("OptimizerStepBenchmark", "nag", "nd4jNesterovs", false, 1.0,
                    "SgdMomentum (Nesterov) step ≤ ND4J Nesterovs step"),
            new Target("OptimizerStepBenchmark", "msam", "sgd", false, 1.7,
                    "whole MSAM step ≤ 1.7 × SgdMomentum step"));

    private Report() {
    }

    /** A bound on the time ratio of an optimizer to a baseline. */
    static final class Target {
        final String benchmarkClass;
        final String optimizer;
        final String baseline;
        final boolean atLeast;
        final double bound;
        final String description;

        Target(String benchmarkClass, String optimizer, String baseline, boolean atLeast, double bound,
               String description) {
            this.benchmarkClass = benchmarkClass;
            this.optimizer = optimizer;
            this.baseline = baseline;
            this.atLeast = atLeast;
            this.bound = bound;
            this.description = description;
        }

        boolean met(double ratio) {
            return atLeast ? ratio >= bound : ratio <= bound;
        }

        /** @return met, missed, or "not resolved" when the ratio's error interval contains the bound */
        String status(double[] ratioAndError) {
            double r = ratioAndError[0];
            double e = Double.isFinite(ratioAndError[1]) ? ratioAndError[1] : 0;
            if (met(r - e) && met(r + e)) {
                return "met";
            }
            if (!met(r - e) && !met(r + e)) {
                return "**missed**";
            }
            return (met(r) ? "met" : "missed") + ", within the error";
        }
    }

    /** One JMH result: a benchmark method with one parameter combination. */
    public static final class Result {
        /** The file (0-based, in the order given) the result came from: ratios stay within one run. */
        public final int run;
        /** The fully qualified benchmark method, e.g. {@code org.msam.bench.OptimizerStepBenchmark.step}. */
        public final String benchmark;
        /** JMH's mode: avgt, thrpt, sample, ss. */
        public final String mode;
        /** The parameters, in JMH's order. */
        public final Map<String, String> params;
        /** The score. */
        public final double score;
        /** Its error (NaN when JMH could not compute one). */
        public final double error;
        /** The unit, e.g. ms/op. */
        public final String unit;
        /** The best measurement iteration (the fastest: JMH's 0th percentile, or the 100th for throughput). */
        public final double best;

        Result(int run, String benchmark, String mode, Map<String, String> params, double score, double error,
               String unit, double best) {
            this.run = run;
            this.benchmark = benchmark;
            this.mode = mode;
            this.params = Collections.unmodifiableMap(params);
            this.score = score;
            this.error = error;
            this.unit = unit;
            this.best = Double.isNaN(best) ? score : best;
        }

        /** @return the benchmark class's simple name */
        public String benchmarkClass() {
            String[] parts = benchmark.split("\\.");
            return parts.length < 2 ? benchmark : parts[parts.length - 2];
        }

        /** @return {@code Class.method} */
        public String shortName() {
            String[] parts = benchmark.split("\\.");
            return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
        }

        /** @return the name of the parameter that names the variant (optimizer, op), or "" */
        public String variantParam() {
            for (String p : VARIANT_PARAMS) {
                if (params.containsKey(p)) {
                    return p;
                }
            }
            return "";
        }

        /**
         * @return the variant (the optimizer or op parameter), or ""; optimizers recorded under an earlier spelling
         *     ({@code msamAdamW}, {@code sgdMomentum}, ...) by their name in the catalog
         */
        public String variant() {
            String v = params.getOrDefault(variantParam(), "");
            return "optimizer".equals(variantParam()) ? Optimizers.canonical(v) : v;
        }

        /** @return the parameters other than the variant, as {@code name=value} joined by commas */
        public String otherParams() {
            String variantParam = variantParam();
            StringJoiner j = new StringJoiner(", ");
            params.forEach((k, v) -> {
                if (!k.equals(variantParam)) {
                    j.add(k + "=" + v);
                }
            });
            return j.toString();
        }

        String group() {
            return run + "|" + benchmark + "|" + mode + "|" + otherParams();
        }

        /**
         * @param base the baseline
         * @return {ratio, error} of times, this over {@code base}
         */
        double[] timeRatio(Result base) {
            double r = isThroughput() ? base.score / score : score / base.score;
            double rel = Math.hypot(error / score, base.error / base.score);
            return new double[] {r, r * rel};
        }

        /**
         * @param base the baseline
         * @return the time ratio of the best iterations, this over {@code base}
         */
        double bestTimeRatio(Result base) {
            return isThroughput() ? base.best / best : best / base.best;
        }

        boolean isThroughput() {
            return "thrpt".equals(mode);
        }
    }

    /**
     * Writes the Markdown summary of the JSON files to standard output, or to the file after {@code -o}.
     *
     * @param args JSON files, optionally {@code -o out.md}
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        List<Path> inputs = new ArrayList<>();
        Path output = null;
        for (int i = 0; i < args.length; i++) {
            if ("-o".equals(args[i]) && i + 1 < args.length) {
                output = Paths.get(args[++i]);
            } else {
                inputs.add(Paths.get(args[i]));
            }
        }
        if (inputs.isEmpty()) {
            System.err.println("Usage: Report results.json [more.json ...] [-o report.md]");
            System.exit(2);
        }
        String md = markdown(read(inputs));
        if (output == null) {
            new PrintStream(System.out, true, StandardCharsets.UTF_8).print(md);
        } else {
            Files.writeString(output, md, StandardCharsets.UTF_8);
        }
    }

    /**
     * @param files JMH JSON result files, one run each
     * @return their results, in file order
     */
    public static List<Result> read(List<Path> files) {
        List<Result> all = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            try (InputStream in = Files.newInputStream(files.get(i))) {
                all.addAll(read(in, i));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read JMH results " + files.get(i), e);
            }
        }
        return all;
    }

    /**
     * @param json a JMH JSON result document (an array of results)
     * @param run  the run index to give the results
     * @return the results
     * @throws IOException if the JSON is malformed
     */
    public static List<Result> read(InputStream json, int run) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        if (root == null || !root.isArray()) {
            throw new IOException("Not a JMH JSON result file: expected an array of results");
        }
        List<Result> results = new ArrayList<>();
        for (JsonNode r : root) {
            JsonNode metric = r.path("primaryMetric");
            if (!r.hasNonNull("benchmark") || !metric.has("score")) {
                throw new IOException("Not a JMH result: " + r);
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = r.path("params").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                params.put(e.getKey(), e.getValue().asText());
            }
            String mode = r.path("mode").asText("");
            JsonNode percentiles = metric.path("scorePercentiles");
            double best = number(percentiles.get("thrpt".equals(mode) ? "100.0" : "0.0"));
            results.add(new Result(run, r.get("benchmark").asText(), mode, params, number(metric.get("score")),
                    number(metric.get("scoreError")), metric.path("scoreUnit").asText(""), best));
        }
        return results;
    }

    /** JMH writes "NaN" (a string) where it has no number. */
    private static double number(JsonNode n) {
        if (n == null || n.isNull()) {
            return Double.NaN;
        }
        return n.isNumber() ? n.doubleValue() : parse(n.asText());
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /**
     * @param results the results
     * @return the Markdown tables and the targets
     */
    public static String markdown(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        Map<String, List<Result>> byBenchmark = new LinkedHashMap<>();
        for (Result r : results) {
            byBenchmark.computeIfAbsent(r.shortName() + " (" + r.mode + ")", k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Result>> e : byBenchmark.entrySet()) {
            table(sb, e.getKey(), e.getValue());
        }
        speed(sb, results);
        targets(sb, results);
        return sb.toString();
    }

    /** The paper's Table 1 (one A100): SGD's runtime divided by each optimizer's. */
    static final Map<String, Double> PAPER_SPEED = paperSpeed();

    private static Map<String, Double> paperSpeed() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("sgd", 1.00);
        m.put("nag", 0.99);
        m.put("msam", 0.99);
        m.put("looksam", 0.84);
        m.put("mesa", 0.77);
        m.put("esam", 0.62);
        m.put("sam", 0.52);
        return m;
    }

    /**
     * The analogue of the paper's Table 1 row from {@code TrainingIterationBenchmark}: SGD's time over each
     * optimizer's (above 1: faster than SGD), ± the propagated error, next to the paper's figures.
     */
    private static void speed(StringBuilder sb, List<Result> results) {
        Map<String, List<Result>> groups = new LinkedHashMap<>();
        for (Result r : results) {
            if (r.benchmarkClass().equals("TrainingIterationBenchmark")) {
                groups.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r);
            }
        }
        StringBuilder rows = new StringBuilder();
        for (List<Result> group : groups.values()) {
            Result sgd = find(group, "sgd");
            if (sgd == null) {
                continue;
            }
            rows.append("| ").append(group.get(0).otherParams()).append(" |");
            for (String o : PAPER_SPEED.keySet()) {
                Result r = find(group, o);
                if (r == null) {
                    rows.append(" — |");
                    continue;
                }
                double[] q = r.timeRatio(sgd);
                double speed = 1 / q[0];
                rows.append(' ').append(ratio(new double[] {speed, q[1] * speed * speed})).append(" |");
            }
            rows.append('\n');
        }
        if (rows.length() == 0) {
            return;
        }
        sb.append("### Speed (the paper's Table 1: SGD's time / the optimizer's)\n\n| Parameters |");
        for (String o : PAPER_SPEED.keySet()) {
            sb.append(' ').append(o).append(" |");
        }
        sb.append("\n|---|").append("---:|".repeat(PAPER_SPEED.size())).append("\n| paper (one A100) |");
        for (double v : PAPER_SPEED.values()) {
            sb.append(String.format(Locale.ROOT, " %.2f |", v));
        }
        sb.append('\n').append(rows).append('\n');
    }

    private static void table(StringBuilder sb, String title, List<Result> rows) {
        List<String> baselines = BASELINES.getOrDefault(rows.get(0).benchmarkClass(), List.of());
        String variant = rows.get(0).variantParam();
        sb.append("### ").append(title).append("\n\n");
        sb.append("| Parameters | ").append(variant.isEmpty() ? "Variant" : capitalized(variant))
                .append(" | Score ± Error | Best | Unit |");
        for (String b : baselines) {
            sb.append(" × ").append(b).append(" |");
        }
        sb.append("\n|---|---|---:|---:|---|");
        sb.append("---:|".repeat(baselines.size()));
        sb.append('\n');
        Map<String, List<Result>> groups = new LinkedHashMap<>();
        for (Result r : rows) {
            groups.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r);
        }
        for (List<Result> group : groups.values()) {
            for (Result r : group) {
                sb.append("| ").append(r.otherParams().isEmpty() ? "—" : r.otherParams()).append(" | ")
                        .append(r.variant().isEmpty() ? "—" : r.variant()).append(" | ")
                        .append(scoreWithError(r.score, r.error)).append(" | ").append(String.format(Locale.ROOT,
                                format(r.best), r.best)).append(" | ").append(r.unit).append(" |");
                for (String b : baselines) {
                    Result base = find(group, b);
                    sb.append(' ').append(base == null ? "—" : ratio(r.timeRatio(base))).append(" |");
                }
                sb.append('\n');
            }
        }
        sb.append('\n');
    }

    private static void targets(StringBuilder sb, List<Result> results) {
        StringBuilder rows = new StringBuilder();
        for (Target t : TARGETS) {
            Map<String, List<Result>> groups = new LinkedHashMap<>();
            for (Result r : results) {
                if (r.benchmarkClass().equals(t.benchmarkClass)) {
                    groups.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r);
                }
            }
            for (List<Result> group : groups.values()) {
                Result r = find(group, t.optimizer);
                Result base = find(group, t.baseline);
                if (r == null || base == null) {
                    continue;
                }
                double[] q = r.timeRatio(base);
                rows.append("| ").append(t.description).append(" | ").append(group.get(0).otherParams())
                        .append(" | ").append(t.optimizer).append(" / ").append(t.baseline).append(" = ")
                        .append(ratio(q)).append(" | ").append(String.format(Locale.ROOT, "%.2f", r.bestTimeRatio(base)))
                        .append(" | ").append(t.status(q)).append(" |\n");
            }
        }
        if (rows.length() > 0) {
            sb.append("### Targets\n\n| Target | Parameters | Time ratio | Best-iteration ratio | Status |\n"
                    + "|---|---|---|---:|---|\n")
                    .append(rows).append('\n');
        }
    }

    private static Result find(List<Result> group, String optimizer) {
        for (Result r : group) {
            if (r.variant().equals(optimizer)) {
                return r;
            }
        }
        return null;
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    static String scoreWithError(double score, double error) {
        String f = format(score);
        String s = String.format(Locale.ROOT, f, score);
        return Double.isFinite(error) ? s + " ± " + String.format(Locale.ROOT, f, error) : s;
    }

    private static String format(double score) {
        double a = Math.abs(score);
        return a >= 100 ? "%.1f" : a >= 10 ? "%.2f" : a >= 0.1 ? "%.3f" : "%.3g";
    }

    static String ratio(double[] q) {
        String s = String.format(Locale.ROOT, "%.2f", q[0]);
        return Double.isFinite(q[1]) ? s + " ± " + String.format(Locale.ROOT, "%.2f", q[1]) : s;
    }
}
