package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Runs {@link ParallelEpochBenchmark} once, briefly, in-process, and its speed-up table. */
class ParallelEpochBenchmarkTest {
    @Test
    void runsOnOneAndTwoWorkers(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("parallel.json");
        Options options = new OptionsBuilder()
                .include(Pattern.quote(ParallelEpochBenchmark.class.getName()) + "\\.")
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(20))
                .param("batches", "2").param("batch", "4")
                .shouldFailOnError(true).verbosity(VerboseMode.SILENT)
                .resultFormat(ResultFormatType.JSON).result(json.toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertEquals(6, results.size());
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), r.getParams() + ": " + score);
        }
        String md = ParallelEpochBenchmark.speedups(Report.read(List.of(json)));
        assertEquals(2 + 3, md.split("\n").length, md);
        assertTrue(md.contains("optimizer=sgd}") && md.contains("| 1.00 ± "), md);
        assertTrue(md.contains("optimizer=msam}") && md.contains("optimizer=sam}"), md);
    }
}
