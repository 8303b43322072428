package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.train.Checkpoint;

/** The example program end to end on tiny generated data, two batches per epoch. */
class MainTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TinyCifar.write(dir.resolve("cifar10"), 20, 40);
    }

    static final class Run {
        final int code;
        final String out;
        final String err;

        Run(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The command and its options, plus tiny-run defaults for every option not given. */
    static String[] tiny(String... args) {
        return TinyCifar.arguments(data, args, "--model", "small-cnn", "--batch-size", "8", "--max-batches", "2",
                "--epochs", "2", "--lr", "0.05", "--test-subset", "16");
    }

    @Test
    void trainWritesMetricsPlotsAndCheckpoint() throws Exception {
        Path out = dir.resolve("train-msam");
        Run r = run(tiny("train", "--optimizer", "msam", "--rho", "0.3", "--progress", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("msam epoch 2/2"), r.out);
        assertTrue(r.out.contains("Warning: CIFAR-10 file " + data.resolve("data_batch_1.bin") + " holds 20 records, "
                + "the official file 10,000: it is read as it is."), r.out);
        assertTrue(r.out.contains("msam epoch 1/2: 50% (1/2 batches)"), "plain progress lines: " + r.out);
        assertFalse(r.out.contains("\r"), r.out);
        for (String f : List.of("metrics.csv", "result.json", "config.json", "loss.png", "accuracy.png",
                "checkpoint.zip")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(0).startsWith("epoch,train_loss,train_accuracy,test_loss,test_accuracy"));
        double trainAccuracy = Double.parseDouble(csv.get(2).split(",")[2]);
        assertTrue(trainAccuracy >= 0 && trainAccuracy <= 1, csv.get(2));
        byte[] png = Files.readAllBytes(out.resolve("accuracy.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void compareWritesTheTable() throws Exception {
        Path out = dir.resolve("compare");
        Run r = run(tiny("compare", "--optimizers", "sgd,sam,msam", "--seeds", "2", "--epochs", "1", "--output",
                out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        String md = Files.readString(out.resolve("compare.md"));
        assertTrue(md.contains("Command: `compare --optimizers sgd,sam,msam --seeds 2 --epochs 1 --output "), md);
        for (String o : List.of("| sgd | 2 |", "| sam | 2 |", "| msam | 2 |")) {
            assertTrue(md.contains(o), md);
        }
        assertTrue(r.out.contains("time / sgd"), r.out);
        assertEquals(4, Files.readAllLines(out.resolve("compare.csv")).size());
        assertTrue(Files.exists(out.resolve("msam-seed2/metrics.csv")));
        assertTrue(Files.exists(out.resolve("accuracy.png")));
    }

    @Test
    void esamAndMesaRunInOneCompareTableAndTakeTheirOptions() throws Exception {
        Path out = dir.resolve("compare-family");
        Run r = run(tiny("compare", "--optimizers", "sgd,looksam,esam,mesa", "--epochs", "1", "--output",
                out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        String md = Files.readString(out.resolve("compare.md"));
        for (String o : List.of("| sgd | 1 |", "| looksam | 1 |", "| esam | 1 |", "| mesa | 1 |")) {
            assertTrue(md.contains(o), md);
        }
        Path esam = dir.resolve("train-esam");
        r = run(tiny("train", "--optimizer", "esam", "--base", "nag", "--weight-fraction", "0.7", "--sample-fraction",
                "0.25", "--rho", "0.1", "--epochs", "1", "--output", esam.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(Files.readString(esam.resolve("config.json")).contains("\"sampleFraction\" : 0.25"));
        Path mesa = dir.resolve("train-mesa");
        r = run(tiny("train", "--optimizer", "mesa", "--mesa-lambda", "0.5", "--temperature", "2", "--ema-decay", "0.9",
                "--mesa-start-epoch", "0", "--epochs", "1", "--output", mesa.toString()));
        assertEquals(0, r.code, r.err + r.out);
        r = run(tiny("train", "--optimizer", "sam", "--ema-decay", "0.9", "--output", dir.resolve("bad").toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--ema-decay applies to --optimizer mesa only, got it with sam"), r.err);
    }

    @Test
    void compareTakesSettingsPerEntry() throws Exception {
        Path out = dir.resolve("compare-grid");
        Run r = run(tiny("compare", "--optimizers", "sgd,msam:rho=-0.5,sam:rho=0.2:epochs=1", "--epochs", "2",
                "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        String md = Files.readString(out.resolve("compare.md"));
        for (String o : List.of("| sgd | 1 |", "| msam:rho=-0.5 | 1 |", "| sam:rho=0.2:epochs=1 | 1 |")) {
            assertTrue(md.contains(o), md);
        }
        String msam = Files.readString(out.resolve("msam_rho-0.5-seed1/config.json"));
        assertTrue(msam.contains("\"rho\" : -0.5") && msam.contains("\"epochs\" : 2"), msam);
        String sam = Files.readString(out.resolve("sam_rho0.2_epochs1-seed1/config.json"));
        assertTrue(sam.contains("\"rho\" : 0.2") && sam.contains("\"epochs\" : 1"), sam);
        assertEquals(2, Files.readAllLines(out.resolve("sgd-seed1/metrics.csv")).size() - 1);
        assertEquals(1, Files.readAllLines(out.resolve("sam_rho0.2_epochs1-seed1/metrics.csv")).size() - 1);
        // interleaved epoch by epoch
        List<String> order = r.out.lines().filter(l -> l.matches("\\w+ epoch \\d/\\d: train loss.*"))
                .map(l -> l.substring(0, l.indexOf(':'))).collect(java.util.stream.Collectors.toList());
        assertEquals(List.of("sgd epoch 1/2", "msam epoch 1/2", "sam epoch 1/1", "sgd epoch 2/2", "msam epoch 2/2"),
                order, r.out);
        // the library's warnings reach the console (an SLF4J binding is on the class path)
        assertTrue(r.err.contains("Msam rho = -0.5 < 0 perturbs along the positive momentum"), r.err);

        // a second comparison into the same folder is refused before anything runs, naming both ways on
        Run again = run(tiny("compare", "--optimizers", "sgd,msam:rho=-0.5", "--output", out.toString()));
        assertEquals(1, again.code);
        assertEquals("Error: --output " + out.toAbsolutePath() + " already holds runs of this comparison (sgd-seed1, "
                + "msam_rho-0.5-seed1). Fix: continue them with --resume, replace them with --overwrite, or choose "
                + "another --output.", again.err.trim());

        r = run(tiny("compare", "--optimizers", "sgd,msam:rho=1,msam:rho=1", "--output", out.toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.contains("--optimizers lists 'msam:rho=1' twice"), r.err);
    }

    @Test
    void resumeExtendsAComparisonWhoseFinishedRunsKeptOnlyTheirResults() throws Exception {
        Path out = dir.resolve("compare-more-seeds");
        Run r = run(tiny("compare", "--optimizers", "sgd", "--epochs", "1", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        Path first = out.resolve("sgd-seed1");
        Files.delete(first.resolve(Checkpoint.FILE));
        String result = Files.readString(first.resolve("result.json"));
        String metrics = Files.readString(first.resolve("metrics.csv"));

        // other options: refused, and the finished run is left as it was
        r = run(tiny("compare", "--optimizers", "sgd", "--epochs", "1", "--lr", "0.2", "--seeds", "2", "--resume",
                "--output", out.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--resume with different options than the finished run in " + first)
                && r.err.contains("--lr: saved 0.05, now 0.2"), r.err);
        assertFalse(Files.exists(out.resolve("sgd-seed2")));

        r = run(tiny("compare", "--optimizers", "sgd", "--epochs", "1", "--seeds", "2", "--resume", "--output",
                out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains(first + " finished all 1 epoch (result.json; its checkpoint was removed): "
                + "nothing to do"), r.out);
        assertEquals(List.of("sgd epoch 1/1"), r.out.lines().filter(l -> l.matches("\\w+ epoch \\d/\\d: train.*"))
                .map(l -> l.substring(0, l.indexOf(':'))).collect(java.util.stream.Collectors.toList()), r.out);
        assertEquals(result, Files.readString(first.resolve("result.json")));
        assertEquals(metrics, Files.readString(first.resolve("metrics.csv")));
        assertTrue(Files.exists(out.resolve("sgd-seed2").resolve(Checkpoint.FILE)));
        assertTrue(Files.readString(out.resolve("compare.md")).contains("| sgd | 2 |"));

        // train --resume of the finished run: its result, nothing trained
        r = run(tiny("train", "--optimizer", "sgd", "--epochs", "1", "--resume", "--output", first.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("nothing to do"), r.out);
        assertEquals(result, Files.readString(first.resolve("result.json")));
    }

    @Test
    void demoRunsOnTheEmbeddedData() throws Exception {
        Path out = dir.resolve("demo");
        Run r = run("demo", "--max-batches", "2", "--epochs", "1", "--test-subset", "64", "--no-progress", "--output",
                out.toString());
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("| sgd | 1 |") && r.out.contains("| msam | 1 |"), r.out);
        assertTrue(r.out.contains("Plots: " + out.resolve("accuracy.png").toAbsolutePath()), r.out);
        assertTrue(Files.readString(out.resolve("sgd-seed1/config.json")).contains("\"preset\" : \"demo\""));
        assertTrue(Files.readString(out.resolve("compare.md")).contains("Command: `demo --max-batches 2 "));

        // the demo run twice: it replaces its own earlier runs and says so
        r = run("demo", "--optimizers", "sgd", "--max-batches", "1", "--epochs", "1", "--test-subset", "16",
                "--no-progress", "--output", out.toString());
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("Replacing the earlier runs in " + out.toAbsolutePath()), r.out);
        assertEquals(2, Files.readAllLines(out.resolve("sgd-seed1/metrics.csv")).size());
    }

    @Test
    void badInputGetsClearMessages() {
        Run r = run(tiny("train", "--model", "wrn-99-1", "--output", dir.resolve("bad1").toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.contains("Unknown model 'wrn-99-1'; valid names: "), r.err);

        r = run(tiny("train", "--epochs", "-1", "--output", dir.resolve("bad2").toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.contains("--epochs must be > 0, got -1"), r.err);

        r = run("train", "--dataset", "cifar10", "--data-dir", dir.resolve("nowhere").toString(), "--no-download",
                "--output", dir.resolve("bad3").toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains(dir.resolve("nowhere").toString()), r.err);

        r = run("compare", "--optimizers", "sgd,lion");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("Unknown optimizer 'lion' in --optimizers"), r.err);

        r = run("train", "--epochz", "3");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("Unknown options: '--epochz'") && r.err.contains("Possible solutions: --epochs"), r.err);
    }

    @Test
    void theOutputFolderIsCheckedFirstAndEarlierRunsAreKept() throws Exception {
        Path file = Files.writeString(dir.resolve("existing.txt"), "mine");
        Run r = run(tiny("train", "--output", file.toString()));
        assertEquals(1, r.code);
        assertEquals("Error: --output " + file + " is a file, not a folder. Fix: choose a folder for --output (it is "
                + "created if absent).", r.err.trim());

        // checked before the data: the data folder does not exist, the --output problem is reported
        r = run(tiny("train", "--data-dir", dir.resolve("nowhere").toString(), "--output",
                file.resolve("run").toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("Error: --output " + file.resolve("run") + " cannot be created"), r.err);

        Path earlier = dir.resolve("earlier");
        Files.createDirectories(earlier);
        Files.writeString(earlier.resolve("metrics.csv"), "earlier run");
        Files.writeString(earlier.resolve("checkpoint.zip"), "earlier checkpoint");
        r = run(tiny("train", "--optimizer", "sgd", "--output", earlier.toString()));
        assertEquals(1, r.code);
        assertEquals("Error: --output " + earlier.toAbsolutePath() + " already holds a run (checkpoint.zip, "
                + "metrics.csv). Fix: continue it with --resume, replace it with --overwrite, or choose another "
                + "--output.", r.err.trim());
        assertEquals("earlier run", Files.readString(earlier.resolve("metrics.csv")));

        r = run(tiny("train", "--optimizer", "sgd", "--resume", "--overwrite", "--output", earlier.toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.contains("--resume and --overwrite exclude each other"), r.err);

        Files.write(earlier.resolve(".checkpoint4711.zip.tmp"), new byte[1000]);
        r = run(tiny("train", "--optimizer", "sgd", "--overwrite", "--epochs", "1", "--max-batches", "1",
                "--output", earlier.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertEquals(2, Files.readAllLines(earlier.resolve("metrics.csv")).size());
        assertEquals(1, Checkpoint.readState(earlier).epochsDone);
        assertFalse(Files.exists(earlier.resolve(".checkpoint4711.zip.tmp")), "stale temporary removed");
    }

    @Test
    void optionsAreCheckedForTheChosenOptimizerAndNamedAsOnTheCommandLine() {
        Run r = run(tiny("train", "--optimizer", "sgd", "--clip-norm", "NaN", "--output", dir.resolve("c1").toString()));
        assertEquals(1, r.code);
        assertEquals("Error: Invalid options: --clip-norm must be finite and >= 0 (0: off), got NaN", r.err.trim());
        r = run(tiny("train", "--optimizer", "msam", "--base", "adamw", "--momentum", "1", "--output",
                dir.resolve("c2").toString()));
        assertEquals(1, r.code);
        assertEquals("Error: Invalid options: --momentum (beta1 of AdamW) must be in [0, 1), got 1.0", r.err.trim());
        r = run(tiny("train", "--optimizer", "sgd", "--base", "adamw", "--output", dir.resolve("c3").toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.contains("--base adamw contradicts --optimizer sgd"), r.err);
        r = run(tiny("compare", "--optimizers", "sgd,sam:rho=-1", "--output", dir.resolve("c4").toString()));
        assertEquals(1, r.code);
        assertEquals("Error: Invalid options for 'sam:rho=-1': --rho must be finite and >= 0 for sam, got -1.0", r.err.trim());
        assertFalse(Files.exists(dir.resolve("c4").resolve("sgd-seed1")), "nothing ran");
    }

    @Test
    void aDivergingLossStopsEveryOptimizerWithTheLastGoodCheckpointKept() throws Exception {
        // sgd: stopped by the trainer's check (as nag and adamw); msam: by the library (as sam)
        for (String optimizer : List.of("sgd", "msam")) {
            Path out = dir.resolve("diverge-" + optimizer);
            Run r = run(tiny("train", "--optimizer", optimizer, "--model", "mlp", "--lr", "1e30", "--schedule",
                    "constant", "--epochs", "3", "--max-batches", "1", "--test-subset", "8", "--output",
                    out.toString()));
            assertEquals(1, r.code, optimizer + ": " + r.err + r.out);
            assertFalse(r.out.contains("Final test accuracy"), r.out);
            if (Files.exists(out.resolve("checkpoint.zip"))) {
                Checkpoint.State s = Checkpoint.readState(out);
                assertTrue(s.epochsDone < 3, optimizer);
                assertTrue(checkpointIsFinite(out), optimizer + ": the checkpoint holds finite parameters");
                assertEquals(s.epochsDone + 1, Files.readAllLines(out.resolve("metrics.csv")).size(),
                        "metrics are not ahead of the checkpoint");
            }
            // sgd: its first step leaves finite weights whose outputs overflow, so the test loss stops it
            assertTrue(r.err.startsWith("Error: " + optimizer + " stopped: "), r.err);
            assertTrue(r.err.contains("Fix: lower --lr (now 1.0E30)"), r.err);
            assertFalse(Files.exists(out.resolve("metrics.csv"))
                    && Files.readString(out.resolve("metrics.csv")).contains("NaN"), "no NaN in metrics.csv");
        }
    }

    private static boolean checkpointIsFinite(Path out) throws Exception {
        for (double v : Checkpoint.readModel(out).params().toDoubleVector()) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void dataErrorsGiveAdviceThatFitsWhereTheDataComesFrom() throws Exception {
        Run r = run(tiny("train", "--data-dir", dir.resolve("nowhere").toString(), "--output",
                dir.resolve("d1").toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("Error: --data-dir " + dir.resolve("nowhere") + " does not exist. Fix: pass "
                + "--data-dir pointing to the folder"), r.err);
        assertFalse(r.err.contains("delete"), r.err);

        Path file = Files.writeString(dir.resolve("afile.txt"), "mine");
        r = run(tiny("train", "--data-dir", file.toString(), "--output", dir.resolve("d2").toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("Error: --data-dir " + file + " is a file, not a folder."), r.err);
        assertFalse(r.err.contains("afile.txt/data_batch_1.bin"), r.err);
        assertEquals("mine", Files.readString(file));

        Path cache = dir.resolve("empty-cache");
        String old = System.getProperty(org.msam.examples.data.DatasetDownloader.CACHE_DIR_PROPERTY);
        System.setProperty(org.msam.examples.data.DatasetDownloader.CACHE_DIR_PROPERTY, cache.toString());
        try {
            r = run("train", "--dataset", "cifar10", "--no-download", "--output", dir.resolve("d3").toString());
        } finally {
            if (old == null) {
                System.clearProperty(org.msam.examples.data.DatasetDownloader.CACHE_DIR_PROPERTY);
            } else {
                System.setProperty(org.msam.examples.data.DatasetDownloader.CACHE_DIR_PROPERTY, old);
            }
        }
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("Error: CIFAR-10 is not in the download cache (" + cache.toAbsolutePath()
                + "/cifar-10-batches-bin does not exist) and --no-download forbids downloading it. Fix: run without "
                + "--no-download"), r.err);
    }

    @Test
    void corruptDataFileIsNamed() throws Exception {
        Path bad = TinyCifar.write(dir.resolve("corrupt"), 20, 40);
        Files.write(bad.resolve("data_batch_3.bin"), new byte[1000]);
        Run r = run("train", "--dataset", "cifar10", "--data-dir", bad.toString(), "--no-download", "--output",
                dir.resolve("bad4").toString(), "--no-progress");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("data_batch_3.bin"), r.err);
        assertFalse(r.err.contains("delete"), "never advice to delete the user's folder: " + r.err);
        assertTrue(r.err.contains("replace a damaged file with the official one"), r.err);
    }
}
