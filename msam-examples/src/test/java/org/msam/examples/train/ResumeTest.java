package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.TinyCifar;

/** A run interrupted after an epoch and resumed ends exactly where the uninterrupted run ends. */
class ResumeTest {
    static RunConfig config(Path data, String optimizer) {
        RunConfig c = new RunConfig();
        c.dataset = "cifar10";
        c.dataDir = data.toString();
        c.download = false;
        c.model = "small-cnn";
        c.optimizer = Optimizer.parse(optimizer);
        c.rho = c.optimizer.takesRho() ? 0.3 : null;
        c.batchSize = 8;
        c.maxBatches = 2;
        c.epochs = 3;
        c.learningRate = 0.05;
        c.testSubset = 16;
        return c;
    }

    @Test
    void resumedRunContinuesExactly(@TempDir Path dir) throws Exception {
        Path data = TinyCifar.write(dir.resolve("data"), 20, 40);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        for (String optimizer : new String[] {"msam", "sam"}) {
            Path full = dir.resolve(optimizer + "-full");
            new Trainer(config(data, optimizer), full, quiet, false).run(false);

            Path parts = dir.resolve(optimizer + "-parts");
            Trainer first = new Trainer(config(data, optimizer), parts, quiet, false);
            first.stopAfterEpochs(1);
            first.run(false);
            byte[] checkpoint = Files.readAllBytes(parts.resolve(Checkpoint.FILE));
            // a resume with other options is refused and changes nothing
            RunConfig other = config(data, optimizer);
            other.learningRate = 0.1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(other, parts, quiet, false).run(true));
            assertTrue(e.getMessage().contains("--lr: saved 0.05, now 0.1"), e.getMessage());
            assertArrayEquals(checkpoint, Files.readAllBytes(parts.resolve(Checkpoint.FILE)));

            RunResult resumed = new Trainer(config(data, optimizer), parts, quiet, false).run(true);
            assertEquals(3, resumed.epochs.size());
            assertArrayEquals(Checkpoint.readModel(full).params().toDoubleVector(),
                    Checkpoint.readModel(parts).params().toDoubleVector(), 0.0, optimizer);
            assertEquals(Files.readAllLines(full.resolve("metrics.csv")).get(3).split(",")[4],
                    Files.readAllLines(parts.resolve("metrics.csv")).get(3).split(",")[4]);
        }
    }

    @Test
    void diagnosticsContinueFromTheCheckpointOnResume(@TempDir Path dir) throws Exception {
        Path data = TinyCifar.write(dir.resolve("data"), 20, 40);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        RunConfig c = config(data, "msam");
        c.diagnosticsEvery = 1;
        Path full = dir.resolve("full");
        new Trainer(c, full, quiet, false).run(false);
        java.util.List<String> expected = Files.readAllLines(full.resolve("diagnostics.csv"));
        assertEquals(1 + 3 * 2, expected.size());
        assertEquals(org.msam.dl4j.MsamDiagnostics.HEADER, expected.get(0));
        assertTrue(Files.size(full.resolve("diagnostics-cosine.png")) > 0);
        assertTrue(Files.size(full.resolve("diagnostics-loss.png")) > 0);

        Path parts = dir.resolve("parts");
        Trainer first = new Trainer(c, parts, quiet, false);
        first.stopAfterEpochs(1);
        first.run(false);
        // a row written after the checkpoint by an interrupted session is dropped on resume
        Files.writeString(parts.resolve("diagnostics.csv"), "2,1,0.5,1,1,1,1,1\n",
                java.nio.file.StandardOpenOption.APPEND);
        new Trainer(c, parts, quiet, false).run(true);
        assertEquals(expected, Files.readAllLines(parts.resolve("diagnostics.csv")));

        RunConfig sgd = config(data, "sgd");
        sgd.diagnosticsEvery = 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(sgd, dir.resolve("sgd"), quiet, false).run(false));
        assertTrue(e.getMessage().contains("--diagnostics must be >= 0 and needs --optimizer msam, amsam or bnmsam (any --base), "
                + "got 1 with sgd"), e.getMessage());
    }

    @Test
    void resumeWithoutCheckpointExplainsWhatToDo(@TempDir Path dir) {
        Exception e = assertThrows(java.io.IOException.class,
                () -> new Trainer(config(dir, "msam"), dir.resolve("none"), System.out, false).run(true));
        assertTrue(e.getMessage().startsWith("No checkpoint to resume from"), e.getMessage());
    }

    /**
     * A run folder written before the optimizer catalog (its saved configuration names the optimizer as a string and
     * has no adaptiveEta) resumes with the options it was started with, now given as --optimizer msam --base adamw.
     */
    @Test
    void aRunSavedBeforeTheCatalogResumes(@TempDir Path dir) throws Exception {
        Path data = TinyCifar.write(dir.resolve("data"), 20, 40);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        RunConfig c = config(data, "msam-adamw");
        c.model = "mlp";
        c.epochs = 2;
        c.maxBatches = 1;
        c.testSubset = 8;
        Path run = dir.resolve("run");
        new Trainer(c, run, quiet, false).stopAfterEpochs(1).run(false);
        String state = org.deeplearning4j.util.ModelSerializer.getObjectFromFile(run.resolve(Checkpoint.FILE).toFile(),
                "msam-run-state.json");
        assertTrue(state.contains("\"optimizer\" : \"msam-adamw\""), state);
        // the earlier format: the same JSON without the field added since
        String legacy = state.replaceAll("\\s*\"adaptiveEta\" : null,", "");
        assertFalse(legacy.contains("adaptiveEta"), legacy);
        replaceEntry(run.resolve(Checkpoint.FILE), "msam-run-state.json", legacy);

        RunConfig now = new RunConfig();
        now.optimizer = Optimizer.fromCli("msam", "adamw");
        RunConfig again = config(data, "msam-adamw");
        again.optimizer = now.optimizer;
        again.model = "mlp";
        again.epochs = 2;
        again.maxBatches = 1;
        again.testSubset = 8;
        RunResult r = new Trainer(again, run, quiet, false).run(true);
        assertEquals(2, r.epochs.size());
        assertTrue(r.complete());
    }

    private static void replaceEntry(Path zip, String entry, String content) throws Exception {
        Path tmp = zip.resolveSibling("rewritten.zip");
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(zip.toFile());
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(tmp))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                if (e.getName().equals(entry)) {
                    out.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    in.getInputStream(e).transferTo(out);
                }
                out.closeEntry();
            }
        }
        Files.move(tmp, zip, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The checkpoint is written before the metrics: when writing the results fails, they are not ahead of it. */
    @Test
    void metricsAreNeverAheadOfTheCheckpoint(@TempDir Path dir) throws Exception {
        Path data = TinyCifar.write(dir.resolve("data"), 20, 40);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        RunConfig c = config(data, "sgd");
        c.model = "mlp";
        c.epochs = 1;
        c.maxBatches = 1;
        c.testSubset = 8;
        Path run = dir.resolve("run");
        // a folder where the plot should go: writing the results fails after metrics.csv
        Files.createDirectories(run.resolve("loss.png").resolve("blocked"));
        assertThrows(java.io.IOException.class, () -> new Trainer(c, run, quiet, false).run(false));
        int metricsEpochs = Files.readAllLines(run.resolve("metrics.csv")).size() - 1;
        assertEquals(1, metricsEpochs);
        assertTrue(Checkpoint.exists(run), "the checkpoint of the epoch the metrics show");
        assertEquals(metricsEpochs, Checkpoint.readState(run).epochsDone);
    }
}
