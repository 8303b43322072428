package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTest {

    static RunResult run(double accuracy, double... epochSeconds) {
        RunResult r = new RunResult();
        r.finalTestAccuracy = accuracy;
        r.finalTestLoss = 1 - accuracy;
        for (int i = 0; i < epochSeconds.length; i++) {
            EpochMetrics m = new EpochMetrics();
            m.epoch = i + 1;
            m.seconds = epochSeconds[i];
            r.epochs.add(m);
            r.trainSeconds += epochSeconds[i];
        }
        return r;
    }

    @Test
    void meansStandardDeviationsAndBothTimeRatios(@TempDir Path dir) throws Exception {
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        results.put("sam:rho=0.1", List.of(run(0.5, 2, 2, 20), run(0.7, 2, 2, 2)));
        results.put("sgd", List.of(run(0.4, 1, 1, 1), run(0.6, 1, 1, 3)));
        List<Comparison.Row> rows = Comparison.write(dir, results, "compare --test");
        Comparison.Row sam = rows.get(0);
        Comparison.Row sgd = rows.get(1);
        assertEquals("sam:rho=0.1", sam.optimizer);
        assertEquals(0.6, sam.accuracyMean, 1e-12);
        assertEquals(Math.sqrt(0.02), sam.accuracyStd, 1e-12);
        assertEquals(0.4, sam.lossMean, 1e-12);
        assertEquals(15, sam.seconds, 1e-12);
        assertEquals(4, sgd.seconds, 1e-12);
        assertEquals(15 / 4.0, sam.timeRatio, 1e-12, "whole time, relative to sgd even when sgd is not first");
        assertEquals(2, sam.epochSeconds, 1e-12, "median epoch, burst ignored");
        assertEquals(1, sgd.epochSeconds, 1e-12);
        assertEquals(2, sam.epochTimeRatio, 1e-12);
        assertEquals(1, sgd.timeRatio, 1e-12);
        String md = Files.readString(dir.resolve("compare.md"));
        assertTrue(md.contains("Command: `compare --test`"), md);
        assertTrue(md.contains("| sam:rho=0.1 | 2 | 60.00% ± 14.14 | 0.4000 | 15.0 | 3.75 | 2.00 | 2.00 |"), md);
        assertEquals("sgd,2,0.500000,0.141421,0.500000,4.000,1.0000,1.000,1.0000",
                Files.readAllLines(dir.resolve("compare.csv")).get(2));
        assertEquals(1.5, Comparison.medianEpochSeconds(run(0, 1, 2)), 0);
    }

    @Test
    void oneRunHasNoSpread() {
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        results.put("sgd", List.of(run(0.8059, 2, 2)));
        results.put("msam", List.of(run(0.848, 2, 3)));
        String md = Comparison.markdown(Comparison.rows(results), "sgd");
        assertTrue(md.contains("| sgd | 1 | 80.59% ± – | 0.1941 | 4.0 | 1.00 | 2.00 | 1.00 |"), md);
        assertTrue(md.contains("| msam | 1 | 84.80% ± – |"), md);
    }
}
