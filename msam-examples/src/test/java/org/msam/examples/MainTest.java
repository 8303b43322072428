package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        List<String> a = new java.util.ArrayList<>(List.of(args));
        String[][] defaults = {{"--dataset", "cifar10"}, {"--data-dir", data.toString()}, {"--no-download"},
            {"--model", "small-cnn"}, {"--batch-size", "8"}, {"--max-batches", "2"}, {"--epochs", "2"},
            {"--lr", "0.05"}, {"--test-subset", "16"}, {"--no-progress"}};
        for (String[] d : defaults) {
            if (!a.contains(d[0])) {
                a.addAll(List.of(d));
            }
        }
        return a.toArray(new String[0]);
    }

    @Test
    void trainWritesMetricsPlotsAndCheckpoint() throws Exception {
        Path out = dir.resolve("train-msam");
        Run r = run(tiny("train", "--optimizer", "msam", "--rho", "0.3", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("msam epoch 2/2"), r.out);
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

        r = run(tiny("compare", "--optimizers", "sgd,msam:rho=1,msam:rho=1", "--output", out.toString()));
        assertEquals(1, r.code);
        assertTrue(r.err.contains("--optimizers lists 'msam:rho=1' twice"), r.err);
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
    void corruptDataFileIsNamed() throws Exception {
        Path bad = TinyCifar.write(dir.resolve("corrupt"), 20, 40);
        Files.write(bad.resolve("data_batch_3.bin"), new byte[1000]);
        Run r = run("train", "--dataset", "cifar10", "--data-dir", bad.toString(), "--no-download", "--output",
                dir.resolve("bad4").toString(), "--no-progress");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("data_batch_3.bin"), r.err);
    }
}
