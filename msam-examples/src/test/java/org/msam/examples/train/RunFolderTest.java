package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run folder: checked, locked against a second process, cleared of interrupted writes. */
class RunFolderTest {
    @TempDir
    Path dir;

    /** Holds the lock of the folder given as the argument until its standard input closes. */
    public static void main(String[] args) throws Exception {
        try (RunFolder f = RunFolder.lock(Paths.get(args[0]), "--output")) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait
            }
        }
    }

    @Test
    void aSecondProcessIsRefused() throws Exception {
        Path run = dir.resolve("run");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                RunFolderTest.class.getName(), run.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", r.readLine());
            IOException e = assertThrows(IOException.class, () -> RunFolder.lock(run, "--output"));
            assertEquals("Another process is writing to " + run + " (it holds " + run.resolve(RunFolder.LOCK)
                    + "). Fix: wait until it has finished, or choose another --output.", e.getMessage());
        } finally {
            p.getOutputStream().close();
            p.waitFor();
        }
        // released when the other process ends
        RunFolder.lock(run, "--output").close();
    }

    @Test
    void aSecondLockInTheSameProcessIsRefused() throws Exception {
        try (RunFolder f = RunFolder.lock(dir, "--output")) {
            IOException e = assertThrows(IOException.class, () -> RunFolder.lock(dir, "--output"));
            assertTrue(e.getMessage().startsWith("Another process is writing to " + dir), e.getMessage());
        }
        RunFolder.lock(dir, "--output").close();
    }

    @Test
    void aFileOrAnUncreatableFolderIsNamedWithTheOption() throws Exception {
        Path file = Files.writeString(dir.resolve("existing.txt"), "mine");
        IOException e = assertThrows(IOException.class, () -> RunFolder.lock(file, "--output"));
        assertEquals("--output " + file + " is a file, not a folder. Fix: choose a folder for --output (it is "
                + "created if absent).", e.getMessage());
        e = assertThrows(IOException.class, () -> RunFolder.lock(file.resolve("sub"), "--output"));
        assertTrue(e.getMessage().startsWith("--output " + file.resolve("sub") + " cannot be created ("),
                e.getMessage());
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void staleTemporariesAreRemovedAndRunFilesRecognised() throws Exception {
        Files.write(dir.resolve(".checkpoint123.zip.tmp"), new byte[100]);
        Files.writeString(dir.resolve(".metrics.csv.0f1e2d3c-0000-4000-8000-00000000abcd.tmp"), "x");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Files.writeString(dir.resolve(".notes.tmp"), "mine too");
        assertFalse(RunFolder.holdsRun(dir));
        Files.writeString(dir.resolve("config.json"), "{}");
        assertFalse(RunFolder.holdsRun(dir), "a config.json alone holds no results");
        Files.writeString(dir.resolve("metrics.csv"), "epoch");
        assertTrue(RunFolder.holdsRun(dir));
        try (RunFolder f = RunFolder.lock(dir, "--output")) {
            assertEquals(List.of("metrics.csv"), f.runFiles());
            assertEquals(2, f.deleteStaleTemporaries());
            f.deleteRunFiles();
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(RunFolder.LOCK, ".notes.tmp", "notes.txt"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.toList()));
        }
    }

    @Test
    void optionsAreValidatedForTheChosenOptimizerInCommandLineTerms() {
        RunConfig c = new RunConfig();
        c.optimizer = Optimizer.SGD;
        c.momentum = 1.0;
        assertEquals(List.of(), c.problems());
        c.optimizer = Optimizer.ADAMW;
        assertEquals(List.of("--momentum (beta1 of AdamW) must be in [0, 1), got 1.0"), c.problems());
        c.optimizer = Optimizer.NAG;
        c.momentum = 0;
        assertEquals(List.of("--momentum must be > 0 for Nesterov momentum (nag), got 0"), c.problems());
        c.optimizer = Optimizer.SGD;
        c.momentum = 0.9;
        c.clipNorm = Double.NaN;
        assertEquals(List.of("--clip-norm must be finite and >= 0 (0: off), got NaN"), c.problems());
        c.clipNorm = 0;
        c.optimizer = Optimizer.SAM;
        c.rho = -1.0;
        assertEquals(List.of("--rho must be finite and >= 0 for sam, got -1.0"), c.problems());
        c.rho = null;
        c.set("adaptiveEta", 0.1);
        assertEquals(List.of("--adaptive-eta applies to --optimizer asam and amsam only, got it with sam"), c.problems());
        c.optimizer = Optimizer.ASAM;
        assertEquals(List.of(), c.problems());
    }

    @Test
    void progressOnAPlainOutputIsALineEveryTenPercent() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream log = new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressListener p = new ProgressListener(true, false, log);
        p.startEpoch("sgd epoch 1/1", 20);
        for (int i = 0; i < 20; i++) {
            p.step(1.5, 8);
        }
        p.endEpoch();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().collect(java.util.stream.Collectors.toList());
        assertEquals(9, lines.size(), out);
        assertTrue(lines.get(0).startsWith("sgd epoch 1/1: 10% (2/20 batches), loss 1.5000"), lines.get(0));
        assertTrue(lines.get(8).startsWith("sgd epoch 1/1: 90% (18/20 batches)"), lines.get(8));
    }

    @Test
    void checkpointsWithNonFiniteParametersAreNeverWritten() throws Exception {
        org.deeplearning4j.nn.graph.ComputationGraph net = org.msam.examples.models.Models.builder("mlp")
                .numClasses(10).inputShape(1, 4, 4).seed(1).updater(Optimizer.SGD.updater(
                        new Optimizer.Hyper(new org.msam.schedule.ConstantSchedule(0.1), 0.9, 0))).init();
        Checkpoint.State state = new Checkpoint.State();
        state.config = new RunConfig();
        state.epochsDone = 1;
        Checkpoint.save(dir, net, state);
        byte[] good = Files.readAllBytes(dir.resolve(Checkpoint.FILE));
        net.params().putScalar(3, Double.NaN);
        state.epochsDone = 2;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Checkpoint.save(dir, net, state));
        assertTrue(e.getMessage().startsWith("The parameters hold NaN or infinite values after epoch 2: no "
                + "checkpoint was written"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertArrayEquals(good, Files.readAllBytes(dir.resolve(Checkpoint.FILE)));
    }
}
