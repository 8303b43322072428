package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.TinyCifar;

/** The model saved at the end of a run is the one its result reports. */
class FinalModelTest {
    @TempDir
    Path dir;

    private RunConfig config(Path data) {
        RunConfig c = new RunConfig();
        c.dataset = "cifar10";
        c.dataDir = data.toString();
        c.download = false;
        c.model = "small-cnn";
        c.optimizer = Optimizer.MSAM;
        c.rho = 0.3;
        c.epochs = 1;
        c.batchSize = 8;
        c.maxBatches = 2;
        c.testSubset = 16;
        c.threads = 1;
        return c;
    }

    @Test
    void msamWithBatchNormSavesTheModelWithTheRecomputedStatistics() throws Exception {
        Path data = TinyCifar.write(dir.resolve("cifar10"), 20, 40);
        RunConfig c = config(data);
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RunResult r = new Trainer(c, out, new PrintStream(log, true, StandardCharsets.UTF_8), false).run(false);
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("BatchNorm statistics recomputed at θ"), printed);
        double[] saved = Trainer.evaluate(Checkpoint.readModel(out), DataSource.load(c, new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).test());
        assertEquals(r.finalTestLoss, saved[0], 0, "the checkpoint's model is the reported one");
        assertEquals(r.finalTestAccuracy, saved[1], 0);
        Checkpoint.State s = Checkpoint.readState(out);
        assertTrue(s.finished);
        assertEquals(r.finalTestLoss, s.finalTestLoss, 0);
    }

    @Test
    void maxBatchesLimitsTheBatchNormRecomputation() {
        RunConfig c = config(dir);
        c.bnRecomputeBatches = 50;
        assertEquals(2, new Trainer(c, dir, System.out, false).bnRecomputeBatches());
        c.bnRecomputeBatches = 0;
        assertEquals(2, new Trainer(c, dir, System.out, false).bnRecomputeBatches());
        c.maxBatches = 0;
        c.bnRecomputeBatches = 50;
        assertEquals(50, new Trainer(c, dir, System.out, false).bnRecomputeBatches());
    }
}
