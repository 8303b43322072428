package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** {@code --workers N} on {@code train} and {@code compare}: data-parallel training with ParallelWrapper. */
class WorkersOptionTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TinyCifar.write(dir.resolve("cifar10"), 20, 40);
    }

    static String[] tiny(String... args) {
        return TinyCifar.arguments(data, args, "--model", "small-cnn", "--batch-size", "8", "--max-batches", "4",
                "--lr", "0.05", "--test-subset", "16");
    }

    @Test
    void trainWithTwoWorkersTakesOneStepPerRound() throws Exception {
        Path out = dir.resolve("train-msam-2");
        MainTest.Run r = MainTest.run(tiny("train", "--optimizer", "msam", "--rho", "0.3", "--workers", "2",
                "--epochs", "2", "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("msam epoch 2/2"), r.out);
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size());
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"workers\" : 2"));
        ComputationGraph net = Checkpoint.readModel(out);
        assertEquals(4, net.getIterationCount(), "4 mini-batches per epoch on 2 workers: 2 steps per epoch");
        assertEquals(2, net.getEpochCount());
        SharpnessAware.install(net);
        assertTrue(!SharpnessAware.isPerturbed(net), "the checkpoint holds θ");
    }

    @Test
    void compareWithTwoWorkers() throws Exception {
        Path out = dir.resolve("compare-2");
        MainTest.Run r = MainTest.run(tiny("compare", "--optimizers", "sgd,msam", "--epochs", "1", "--workers", "2",
                "--output", out.toString()));
        assertEquals(0, r.code, r.err + r.out);
        String md = Files.readString(out.resolve("compare.md"));
        assertTrue(md.contains("| sgd | 1 |") && md.contains("| msam | 1 |"), md);
        assertEquals(2, Checkpoint.readModel(out.resolve("msam-seed1")).getIterationCount());
    }

    @Test
    void badWorkerCountsAreRefused() {
        for (String n : List.of("0", "-2")) {
            MainTest.Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--workers", n, "--epochs", "1",
                    "--output", dir.resolve("bad-" + n).toString()));
            assertNotEquals(0, r.code);
            assertTrue((r.err + r.out).contains("--workers must be >= 1 (1: one device; N: N data-parallel workers), "
                    + "got " + n), r.err + r.out);
        }
    }
}
