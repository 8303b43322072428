package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.dl4j.SharpnessAware;
import org.msam.examples.train.Checkpoint;
import org.msam.examples.train.Optimizer;
import org.msam.examples.train.RunConfig;
import org.msam.examples.train.Trainer;

/**
 * {@code --accumulate K} on {@code train}: one optimizer step per K mini-batches, whole windows per epoch, exact
 * resume at an epoch's end, and the refusals.
 */
class AccumulateOptionTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TinyCifar.write(dir.resolve("cifar10"), 20, 40);
    }

    static String[] tiny(String... args) {
        return TinyCifar.arguments(data, args, "--model", "mlp", "--batch-size", "8", "--max-batches", "5", "--lr",
                "0.05", "--test-subset", "16");
    }

    @Test
    void trainStepsOncePerWindowOfWholeWindows() throws Exception {
        for (String optimizer : List.of("sgd", "adamw", "msam")) {
            Path out = dir.resolve("train-" + optimizer);
            MainTest.Run r = MainTest.run(tiny("train", "--optimizer", optimizer, "--accumulate", "2", "--epochs",
                    "2", "--output", out.toString()));
            assertEquals(0, r.code, r.err + r.out);
            assertTrue(Files.readString(out.resolve("config.json")).contains("\"accumulate\" : 2"));
            ComputationGraph net = Checkpoint.readModel(out);
            assertEquals(4, net.getIterationCount(), optimizer + ": 5 mini-batches per epoch make 2 whole windows "
                    + "of 2, so 2 steps per epoch");
            assertEquals(2, net.getEpochCount());
            if (optimizer.equals("msam")) {
                SharpnessAware.install(net);
                assertFalse(SharpnessAware.isPerturbed(net), "the checkpoint holds θ");
            }
        }
    }

    @Test
    void aRunResumedAfterAnEpochEqualsTheUninterruptedOne() throws Exception {
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        Path whole = dir.resolve("whole");
        Path parts = dir.resolve("parts");
        new Trainer(config(), whole, quiet, false).run(false);
        Trainer first = new Trainer(config(), parts, quiet, false);
        first.stopAfterEpochs(1);
        first.run(false);
        new Trainer(config(), parts, quiet, false).run(true);
        assertArrayEquals(Checkpoint.readModel(whole).params().toDoubleVector(),
                Checkpoint.readModel(parts).params().toDoubleVector(), 0.0);
        assertEquals(6, Checkpoint.readModel(parts).getIterationCount(), "3 epochs of 2 steps");
    }

    private static RunConfig config() {
        RunConfig c = new RunConfig();
        c.dataset = "cifar10";
        c.dataDir = data.toString();
        c.download = false;
        c.model = "mlp";
        c.optimizer = Optimizer.parse("msam");
        c.rho = 0.3;
        c.batchSize = 8;
        c.maxBatches = 5;
        c.accumulate = 2;
        c.epochs = 3;
        c.learningRate = 0.05;
        c.testSubset = 16;
        return c;
    }

    @Test
    void badValuesAreRefusedInTheOptionsWords() {
        MainTest.Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--accumulate", "0", "--epochs", "1",
                "--output", dir.resolve("bad-0").toString()));
        assertNotEquals(0, r.code);
        assertTrue((r.err + r.out).contains("--accumulate must be >= 1 (1: one step per mini-batch; K: one step per "
                + "K mini-batches), got 0"), r.err + r.out);
        r = MainTest.run(tiny("train", "--optimizer", "sgd", "--accumulate", "6", "--epochs", "1",
                "--output", dir.resolve("bad-6").toString()));
        assertNotEquals(0, r.code);
        assertTrue((r.err + r.out).contains("--accumulate 6 needs at least 6 mini-batches per epoch, and an epoch has "
                + "5 of --batch-size 8. Fix: lower --accumulate or --batch-size."), r.err + r.out);
    }
}
