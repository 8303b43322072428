package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        c.optimizer = optimizer;
        c.rho = 0.3;
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
            first.stopAfterEpochs = 1;
            first.run(false);
            byte[] checkpoint = Files.readAllBytes(parts.resolve(Checkpoint.FILE));
            // a resume with other options is refused and changes nothing
            RunConfig other = config(data, optimizer);
            other.learningRate = 0.1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(other, parts, quiet, false).run(true));
            assertTrue(e.getMessage().contains("learningRate: saved 0.05, now 0.1"), e.getMessage());
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
        first.stopAfterEpochs = 1;
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
        assertTrue(e.getMessage().contains("--diagnostics must be >= 0 and needs --optimizer msam or msam-adamw, "
                + "got 1 with sgd"), e.getMessage());
    }

    @Test
    void resumeWithoutCheckpointExplainsWhatToDo(@TempDir Path dir) {
        Exception e = assertThrows(java.io.IOException.class,
                () -> new Trainer(config(dir, "msam"), dir.resolve("none"), System.out, false).run(true));
        assertTrue(e.getMessage().startsWith("No checkpoint to resume from"), e.getMessage());
    }
}
