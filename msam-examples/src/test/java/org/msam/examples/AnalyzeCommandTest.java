package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.train.RunConfig;

import picocli.CommandLine;

/** {@code analyze} end to end on a tiny MSAM run (the MLP on the embedded Fashion-MNIST subset). */
class AnalyzeCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void train() {
        MainTest.Run r = MainTest.run("train", "--dataset", "fashion-mnist", "--model", "mlp", "--train-subset", "32",
                "--test-subset", "16", "--batch-size", "16", "--epochs", "1", "--lr", "0.01", "--optimizer", "msam",
                "--no-progress", "--output", dir.resolve("msam").toString());
        assertEquals(0, r.code, r.err);
    }

    @Test
    void writesTheTableCurvesSurfaceAndHessian() throws Exception {
        Path out = dir.resolve("analysis");
        // the same run twice: two rows, the second named msam-2
        MainTest.Run r = MainTest.run("analyze", dir.resolve("msam").toString(), "--checkpoint",
                dir.resolve("msam").resolve("checkpoint.zip").toString(), "--train-subset", "10", "--batch-size", "5",
                "--hessian", "1", "--lanczos-steps", "2", "--directions", "gradient,momentum,random",
                "--radii", "-0.5,0,0.5", "--landscape-2d", "2", "--feature-rank", "fc2", "--no-progress",
                "--output", out.toString());
        assertEquals(0, r.code, r.err + r.out);
        List<String> md = Files.readAllLines(out.resolve("analysis.md"), StandardCharsets.UTF_8);
        String row1 = md.stream().filter(l -> l.startsWith("| msam | msam | 10 |")).findFirst().orElse("");
        String row2 = md.stream().filter(l -> l.startsWith("| msam-2 | msam | 10 |")).findFirst().orElse("");
        assertTrue(!row1.isEmpty() && row1.substring(6).equals(row2.substring(8)), String.join("\n", md));
        assertTrue(md.stream().anyMatch(l -> l.contains("S(0.5) momentum") && l.contains("feature rank (fc2, 0.99)")),
                String.join("\n", md));
        List<String> sharp = Files.readAllLines(out.resolve("sharpness.csv"), StandardCharsets.UTF_8);
        assertEquals(1 + 2 * 3 * 3, sharp.size());
        int zeros = 0;
        for (String line : sharp.subList(1, sharp.size())) {
            String[] f = line.split(",");
            if (Double.parseDouble(f[2]) == 0) {
                // S(0) = L(θ) − L(θ) at bitwise the same weights: zero up to the last bit of BLAS's sums, whose
                // rounding may depend on how the data's buffers are aligned
                assertEquals(0.0, Double.parseDouble(f[3]), 1e-14, line);
                zeros++;
            }
        }
        assertEquals(2 * 3, zeros);
        assertEquals(1 + 2, Files.readAllLines(out.resolve("hessian.csv")).size());
        assertEquals(1 + 4, Files.readAllLines(out.resolve("landscape-2d-msam-2.csv")).size());
        for (String png : new String[] {"sharpness.png", "landscape-2d-msam.png", "landscape-2d-msam-2.png"}) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirFix() {
        MainTest.Run r = MainTest.run("analyze", dir.resolve("msam").toString(), "--directions", "sideways",
                "--output", dir.resolve("bad").toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("Unknown direction 'sideways' in --directions"), r.err);
        r = MainTest.run("analyze");
        assertTrue(r.err.contains("Give at least one run"), r.err);
        r = MainTest.run("analyze", dir.resolve("nowhere").toString());
        assertTrue(r.err.contains("does not exist"), r.err);
        r = MainTest.run("analyze", dir.resolve("msam").toString(), "--train-subset", "10", "--directions", "none",
                "--feature-rank", "nope", "--output", dir.resolve("bad").toString());
        assertTrue(r.err.contains("Unknown layer 'nope'"), r.err);
    }

    @Test
    void labelNoiseOptionsReachTheConfiguration() {
        TrainOptions o = new TrainOptions();
        new CommandLine(o).parseArgs("--label-noise", "0.2", "--label-noise-seed", "3");
        RunConfig c = o.toConfig(org.msam.examples.train.Optimizer.SGD, 1L);
        assertEquals(0.2, c.labelNoise);
        assertEquals(3L, c.labelNoiseSeed);
        assertEquals(0.0, new TrainOptions().toConfig(org.msam.examples.train.Optimizer.SGD, 1L).labelNoise);
    }

    @Test
    void compareAnalyzeAddsTheMeansPerOptimizer() throws Exception {
        Path out = dir.resolve("compare");
        MainTest.Run r = MainTest.run("compare", "--dataset", "fashion-mnist", "--model", "mlp", "--train-subset", "32",
                "--test-subset", "16", "--batch-size", "16", "--epochs", "1", "--lr", "0.01", "--optimizers",
                "sgd,msam", "--seeds", "2", "--no-progress", "--output", out.toString(), "--analyze",
                "--analysis-subset", "10", "--hessian", "2", "--lanczos-steps", "3", "--directions", "gradient,random",
                "--radii", "0,0.5", "--feature-rank", "fc2");
        assertEquals(0, r.code, r.err + r.out);
        List<String> md = Files.readAllLines(out.resolve("compare.md"), StandardCharsets.UTF_8);
        String header = md.stream().filter(l -> l.startsWith("| optimizer |")).findFirst().orElse("");
        assertTrue(header.endsWith("| L(θ) train | λ1 (mean ± std) | λ2 | S(0.5) gradient | S(0.5) random "
                + "| feature rank fc2 |"), header);
        // every run measured on 10 training images, one row each
        List<String> runs = Files.readAllLines(out.resolve("analysis").resolve("analysis.md"), StandardCharsets.UTF_8);
        assertEquals(4, runs.stream().filter(l -> l.matches("\\| (sgd|msam)-seed[12] \\| \\w+ \\| 10 \\|.*")).count(),
                String.join("\n", runs));
        // the λ1 cell of each optimizer is the mean of its two runs' largest eigenvalue in hessian.csv
        java.util.Map<String, Double> sum = new java.util.HashMap<>();
        for (String line : Files.readAllLines(out.resolve("analysis").resolve("hessian.csv"))) {
            String[] f = line.split(",");
            if (f[1].equals("1")) {
                sum.merge(f[0].substring(0, f[0].indexOf("-seed")), Double.parseDouble(f[2]) / 2, Double::sum);
            }
        }
        assertEquals(2, sum.size(), sum.toString());
        for (java.util.Map.Entry<String, Double> e : sum.entrySet()) {
            String row = md.stream().filter(l -> l.startsWith("| " + e.getKey() + " | 2 |")).findFirst().orElse("");
            String[] cells = row.split("\\|");
            String lambda1 = cells[cells.length - 5].trim();
            assertEquals(e.getValue(), Double.parseDouble(lambda1.split(" ")[0]), 5e-4 * Math.abs(e.getValue()) + 1e-12,
                    row);
            assertTrue(lambda1.contains(" ± "), row);
            assertTrue(Integer.parseInt(cells[cells.length - 1].trim().split("\\.")[0]) >= 1, row);
        }
        assertTrue(md.stream().anyMatch(l -> l.contains("analysis/analysis.md")), String.join("\n", md));
    }

    @Test
    void compareRefusesAnalysisOptionsWithoutAnalyze() {
        MainTest.Run r = MainTest.run("compare", "--dataset", "fashion-mnist", "--model", "mlp", "--hessian", "5",
                "--output", dir.resolve("no-analyze").toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("--hessian is an option of the analysis after training: add --analyze"), r.err);
        // a bad analysis option is refused before any training
        r = MainTest.run("compare", "--dataset", "fashion-mnist", "--model", "mlp", "--analyze", "--directions",
                "up", "--output", dir.resolve("bad-analyze").toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("Unknown direction 'up' in --directions"), r.err);
        assertTrue(!Files.exists(dir.resolve("bad-analyze").resolve("sgd-seed1")), "no run was started");
    }
}
