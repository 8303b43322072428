package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summariser on a JMH JSON fixture (see src/test/resources/jmh/README.md) with hand-checkable numbers. */
class ReportTest {
    private static Path fixture() throws URISyntaxException {
        return Paths.get(ReportTest.class.getResource("/jmh/results.json").toURI());
    }

    @Test
    void readsEveryResult() throws Exception {
        List<Report.Result> results = Report.read(List.of(fixture()));
        assertEquals(9, results.size());
        Report.Result first = results.get(0);
        assertEquals("org.msam.bench.OptimizerStepBenchmark.step", first.benchmark);
        assertEquals("OptimizerStepBenchmark", first.benchmarkClass());
        assertEquals("avgt", first.mode);
        assertEquals("nd4jNesterovs", first.variant());
        assertEquals("optimizer", first.variantParam());
        assertEquals("size=2700000", first.otherParams());
        assertEquals(6.0, first.score);
        assertEquals(5.9, first.best);
        assertEquals(0.3, first.error);
        assertEquals("ms/op", first.unit);
        assertTrue(Double.isNaN(results.get(3).error), "JMH writes \"NaN\" as a string");
        assertEquals("batch=16, model=smallCnn", results.get(6).otherParams());
    }

    @Test
    void tablesGiveRatiosToTheBaselinesOfTheSameRun() throws Exception {
        String md = Report.markdown(Report.read(List.of(fixture())));
        assertTrue(md.contains("### OptimizerStepBenchmark.step (avgt)\n\n"
                + "| Parameters | Optimizer | Score ± Error | Best | Unit | × nd4jNesterovs | × sgd |\n"
                + "|---|---|---:|---:|---|---:|---:|\n"
                + "| size=2700000 | nd4jNesterovs | 6.000 ± 0.300 | 5.900 | ms/op | 1.00 ± 0.07 | 2.00 ± 0.14 |\n"
                + "| size=2700000 | sgd | 3.000 ± 0.150 | 2.900 | ms/op | 0.50 ± 0.04 | 1.00 ± 0.07 |\n"
                + "| size=2700000 | msam | 6.000 ± 0.300 | 5.900 | ms/op | 1.00 ± 0.07 | 2.00 ± 0.14 |\n"
                + "| size=36500000 | nd4jNesterovs | 60.00 | 60.00 | ms/op | 1.00 | 1.50 |\n"), md);
        assertTrue(md.contains("| size=36500000 | msam | 64.00 | 64.00 | ms/op | 1.07 | 1.60 |\n"), md);
        assertTrue(md.contains("### TrainingIterationBenchmark.fit (avgt)\n\n"
                + "| Parameters | Optimizer | Score ± Error | Best | Unit | × sgd |\n"), md);
        assertTrue(md.contains("| batch=16, model=smallCnn | sam | 190.0 ± 6.0 | 187.0 | ms/op | 1.90 ± 0.10 |\n"), md);
    }

    @Test
    void targetsSayWhichAreMetAndMissed() throws Exception {
        String md = Report.markdown(Report.read(List.of(fixture())));
        assertTrue(md.contains("| MSAM training iteration ≤ 1.03 × SgdMomentum's | batch=16, model=smallCnn | "
                + "msam / sgd = 1.02 ± 0.06 | 1.02 | met, within the error |"), md);
        assertTrue(md.contains("| SAM training iteration ≈ 2 × SgdMomentum's (≥ 1.8) | batch=16, model=smallCnn | "
                + "sam / sgd = 1.90 ± 0.10 | 1.91 | met |"), md);
        assertTrue(md.contains("| SgdMomentum step ≤ ND4J Nesterovs step | size=2700000 | "
                + "sgd / nd4jNesterovs = 0.50 ± 0.04 | 0.49 | met |"), md);
        assertTrue(md.contains("| whole MSAM step ≤ 1.7 × SgdMomentum step | size=2700000 | "
                + "msam / sgd = 2.00 ± 0.14 | 2.03 | **missed** |"), md);
        assertTrue(md.contains("| whole MSAM step ≤ 1.7 × SgdMomentum step | size=36500000 | "
                + "msam / sgd = 1.60 | 1.60 | met |"), md);
        assertTrue(!md.contains("nag / nd4jNesterovs"), "no row without both results");
    }

    @Test
    void ratiosStayWithinOneRun(@TempDir Path dir) throws Exception {
        Path second = dir.resolve("second.json");
        String only = Files.readString(fixture(), StandardCharsets.UTF_8);
        // The second file holds the same results; every ratio is still taken within its own file.
        Files.writeString(second, only, StandardCharsets.UTF_8);
        String md = Report.markdown(Report.read(List.of(fixture(), second)));
        assertEquals(2, md.split("\\| size=2700000 \\| msam \\| 6.000 ± 0.300 \\| 5.900 \\| ms/op \\| 1.00 ± 0.07 \\| "
                + "2.00 ± 0.14 \\|", -1).length - 1);
    }

    @Test
    void mainWritesTheMarkdownFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("report.md");
        Report.main(new String[] {fixture().toString(), "-o", out.toString()});
        String md = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(Report.markdown(Report.read(List.of(fixture()))), md);
    }

    @Test
    void rejectsWhatIsNotJmhOutput() {
        InputStream notArray = new ByteArrayInputStream("{\"a\": 1}".getBytes(StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> Report.read(notArray, 0));
        InputStream noScore = new ByteArrayInputStream("[{\"benchmark\": \"x.Y.z\"}]".getBytes(StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> Report.read(noScore, 0));
    }
}
