package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark of the module once through JMH's Runner, in this JVM, with the smallest parameters and
 * one short measurement, then summarises the JSON it wrote with {@link Report}.
 */
class BenchmarkSmokeTest {
    @Test
    void everyBenchmarkRunsAndTheReportSummarisesIt(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("results.json");
        Options options = new OptionsBuilder()
                .include(Pattern.quote(OptimizerStepBenchmark.class.getName()) + "\\.")
                .include(Pattern.quote(TrainingIterationBenchmark.class.getName()) + "\\.")
                .include(Pattern.quote(Nd4jOpBenchmark.class.getName()) + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(20))
                .param("size", "300000")
                .param("model", "smallCnn")
                .param("batch", "4")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();

        // OptimizerStepBenchmark's 8 variants, TrainingIterationBenchmark's bases, msam-adamw and every registered
        // rule, Nd4jOpBenchmark's 9 operations
        assertEquals(8 + (4 + org.msam.rules.Rules.names().size()) + 9, results.size());
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), r.getParams() + ": " + score);
            assertEquals("ms/op", r.getPrimaryResult().getScoreUnit());
        }

        List<Report.Result> parsed = Report.read(List.of(json));
        assertEquals(results.size(), parsed.size());
        String md = Report.markdown(parsed);
        assertTrue(md.contains("### OptimizerStepBenchmark.step (avgt)"), md);
        assertTrue(md.contains("### TrainingIterationBenchmark.fit (avgt)"), md);
        assertTrue(md.contains("### Speed (the paper's Table 1: SGD's time / the optimizer's)"), md);
        assertTrue(md.contains("| paper (one A100) | 1.00 | 0.99 | 0.99 | 0.84 | 0.77 | 0.62 | 0.52 |"), md);
        // Our row: SGD over itself is 1, and every optimizer of the paper's row has a figure (no "—").
        assertTrue(java.util.regex.Pattern.compile("\\n\\| [^|\\n]+ \\| 1\\.00( ± [0-9.]+)? \\|([^|\\n—]+\\|){6}\\n")
                .matcher(md).find(), md);
        assertTrue(md.contains("| size=300000 | msam |"), md);
        assertTrue(md.contains("| model=smallCnn, batch=4 | msam |") || md.contains("| batch=4, model=smallCnn | msam |"),
                md);
        assertTrue(md.contains("### Nd4jOpBenchmark.run (avgt)"), md);
        assertTrue(md.contains("| size=300000 | norm2 |"), md);
        assertTrue(md.contains("### Targets"), md);
        assertTrue(Files.size(json) > 0);
    }
}
