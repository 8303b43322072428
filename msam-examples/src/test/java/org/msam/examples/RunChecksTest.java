package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.MainTest.Run;
import org.msam.examples.train.Checkpoint;
import org.msam.examples.train.EpochMetrics;

/**
 * Options that would give silently wrong results are refused, bad input is refused before any work in the
 * user's terms, and what the program prints is right.
 */
class RunChecksTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TinyCifar.write(dir.resolve("cifar10"), 20, 40);
        OverwriteSafetyTest.data = data;
    }

    static String[] tiny(String... args) {
        OverwriteSafetyTest.data = data;
        return OverwriteSafetyTest.tiny(args);
    }

    @Test
    void rhoOffEpochsAndRhoAreRefusedWhereTheyDoNotApply() {
        for (String o : List.of("sam", "asam", "bnsam", "looksam", "esam")) {
            Run r = MainTest.run(tiny("train", "--optimizer", o, "--rho-off-epochs", "1", "--output",
                    dir.resolve("off-" + o).toString()));
            assertEquals(1, r.code, o + ": " + r.err + r.out);
            assertTrue(r.err.contains("--rho-off-epochs applies to msam, amsam, bnmsam, lastgrad, neglastgrad, "
                    + "randdir, rlastgrad, rneglastgrad and rranddir (any --base) only, got it with " + o), r.err);
        }
        for (String o : List.of("sgd", "nag", "adamw", "mesa")) {
            Run r = MainTest.run(tiny("train", "--optimizer", o, "--rho", "0.1", "--output",
                    dir.resolve("rho-" + o).toString()));
            assertEquals(1, r.code, o + ": " + r.err + r.out);
            assertTrue(r.err.contains("--rho applies to the sharpness-aware optimizers"), r.err);
            assertTrue(r.err.contains("not to " + o), r.err);
        }
        assertFalse(Files.exists(dir.resolve("off-sam")), "refused before anything was written");
    }

    @Test
    void compareSaysWhichEntriesHaveNoRhoAndRefusesTheSameRunTwice() throws Exception {
        Path out = dir.resolve("shared-rho");
        Run r = MainTest.run(tiny("compare", "--optimizers", "sgd,msam", "--rho", "0.2", "--output",
                out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("--rho 0.2 applies to the sharpness-aware entries; sgd has no rho."), r.out);
        assertTrue(Files.readString(out.resolve("msam-seed1/config.json")).contains("\"rho\" : 0.2"));
        assertTrue(Files.readString(out.resolve("sgd-seed1/config.json")).contains("\"rho\" : null"));

        r = MainTest.run(tiny("compare", "--optimizers", "msam:rho=3,msam", "--model", "wrn-16-1", "--output",
                dir.resolve("twice").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--optimizers entries 'msam:rho=3' and 'msam' describe the same run"), r.err);

        r = MainTest.run(tiny("compare", "--optimizers", "sgd,msma", "--output", dir.resolve("typo").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("Unknown optimizer 'msma' in --optimizers entry 'msma' (did you mean 'msam'?)"),
                r.err);
        r = MainTest.run(tiny("train", "--optimizer", "adamv", "--output", dir.resolve("typo").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("Unknown --optimizer 'adamv' (did you mean 'adamw'?)"), r.err);

        for (String empty : List.of(",", "")) {
            r = MainTest.run(tiny("compare", "--optimizers", empty, "--output", dir.resolve("empty").toString()));
            assertEquals(1, r.code, r.err + r.out);
            assertTrue(r.err.contains("--optimizers names no optimizer") || r.err.contains("has an empty entry"),
                    r.err);
            assertFalse(r.err.contains("Index 0 out of bounds"), r.err);
        }
    }

    @Test
    void configJsonRecordsTheRhoUsedWithDefaultsPerModel() throws Exception {
        Path cnn = dir.resolve("rho-cnn");
        Run r = MainTest.run(tiny("train", "--optimizer", "msam", "--output", cnn.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(Files.readString(cnn.resolve("config.json")).contains("\"rho\" : 0.3"),
                Files.readString(cnn.resolve("config.json")));
        Path mlp = dir.resolve("rho-mlp");
        r = MainTest.run(tiny("train", "--optimizer", "msam", "--model", "mlp", "--output", mlp.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(Files.readString(mlp.resolve("config.json")).contains("\"rho\" : 1.0"));
        Path sam = dir.resolve("rho-sam");
        r = MainTest.run(tiny("train", "--optimizer", "sam", "--model", "mlp", "--output", sam.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(Files.readString(sam.resolve("config.json")).contains("\"rho\" : 0.05"));
    }

    @Test
    void aNonFiniteTestLossStopsTheRunWithTheLastGoodCheckpoint() throws Exception {
        // one step with a huge constant learning rate leaves finite weights whose outputs overflow: the test loss is
        // NaN although the training loss of that step was finite
        Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--model", "mlp", "--lr", "1e30", "--schedule",
                "constant", "--epochs", "2", "--output", dir.resolve("overflow2").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("sgd stopped: the test loss after epoch 1 is NaN"), r.err);
        assertFalse(Files.exists(dir.resolve("overflow2").resolve(Checkpoint.FILE)), "no checkpoint of a NaN epoch");
        assertFalse(Files.exists(dir.resolve("overflow2").resolve("metrics.csv")), "no NaN in the metrics");
    }

    @Test
    void aDivergingSharpnessAwareRunNamesTheOptionsInPlayInTheUsersTerms() {
        Run r = MainTest.run(tiny("train", "--optimizer", "asam", "--adaptive-eta", "1e30", "--model", "mlp",
                "--output", dir.resolve("asam-eta").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("asam stopped: the loss or the gradient became non-finite in epoch 1"), r.err);
        assertTrue(r.err.contains("check --adaptive-eta (now 1.0E30)"), r.err);
        assertFalse(r.err.contains("GlobalGradientClipping") || r.err.contains("(epoch 0)"), r.err);
    }

    @Test
    void analysisOptionsAreCheckedBeforeAnyWork() {
        for (String radii : List.of("NaN", "Infinity", "-1,NaN")) {
            Path out = dir.resolve("cmp-radii");
            Run r = MainTest.run(tiny("compare", "--optimizers", "sgd", "--analyze", "--radii", radii, "--output",
                    out.toString()));
            assertEquals(1, r.code, r.err + r.out);
            assertTrue(r.err.contains("--radii must be finite numbers"), r.err);
            assertFalse(r.out.contains("epoch 1/1"), "nothing trained: " + r.out);
        }
        Path missing = dir.resolve("no-such-run");
        Run r = MainTest.run("analyze", missing.toString(), "--no-progress");
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("The run folder " + missing.toAbsolutePath() + " does not exist"), r.err);
        assertFalse(r.err.contains("--resume"), r.err);
        assertFalse(Files.exists(missing), "no analysis folder created under a typo");
        r = MainTest.run("analyze", dir.toString(), "--batch-size", "0", "--no-progress");
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--batch-size must be > 0"), r.err);
    }

    @Test
    void optionsTheLibraryWouldRefuseAreNamedAsOnTheCommandLine() {
        Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--warmup-epochs", "1e12", "--schedule", "constant",
                "--output", dir.resolve("warm").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--warmup-epochs must be >= 0 and shorter than --epochs (1), got 1.0E12"), r.err);
        r = MainTest.run(tiny("train", "--optimizer", "sgd", "--image-size", "0", "--output",
                dir.resolve("size").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--image-size must be > 0"), r.err);
    }

    @Test
    void epochsAreCountedInWordsAndImagesPerSecondCountEachImageOnce() throws Exception {
        Path out = dir.resolve("words");
        Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--model", "mlp", "--workers", "2",
                "--max-batches", "3", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains(" after 1 epoch, "), r.out);
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        String[] header = csv.get(0).split(",");
        String[] row = csv.get(1).split(",");
        int seconds = List.of(header).indexOf("seconds");
        int rate = List.of(header).indexOf("images_per_second");
        assertTrue(seconds >= 0 && rate >= 0, csv.get(0));
        // 3 batches of 8 images, in 2 rounds of 2 workers (the last round has one batch)
        assertEquals(24, Double.parseDouble(row[rate]) * Double.parseDouble(row[seconds]), 0.5, csv.toString());
        assertTrue(EpochMetrics.HEADER.contains("images_per_second"));
    }

    @Test
    void helpShowsDefaultsAndTheDemoItsOwnFolder() {
        Run r = MainTest.run("demo", "--help");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("default runs/demo"), r.out);
        assertFalse(r.out.contains("runs/compare"), r.out);
        r = MainTest.run("train", "--help");
        assertTrue(r.out.contains("Peak learning rate (default 0.05)") && r.out.contains("(default 5)"), r.out);
    }

    @Test
    void resumingAFinishedRunTrainsAndRecomputesNothing() throws Exception {
        Path out = dir.resolve("finished");
        Run r = MainTest.run(tiny("train", "--optimizer", "msam", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        String result = Files.readString(out.resolve("result.json"));
        byte[] checkpoint = Files.readAllBytes(out.resolve(Checkpoint.FILE));
        r = MainTest.run(tiny("train", "--optimizer", "msam", "--resume", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("finished all 1 epoch: nothing to do"), r.out);
        assertFalse(r.out.contains("Resuming") || r.out.contains("BatchNorm statistics recomputed"), r.out);
        assertEquals(result, Files.readString(out.resolve("result.json")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(checkpoint, Files.readAllBytes(out.resolve(
                Checkpoint.FILE)));
    }
}
