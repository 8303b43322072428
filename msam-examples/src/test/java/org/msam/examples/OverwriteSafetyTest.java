package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.MainTest.Run;
import org.msam.examples.train.Checkpoint;

/**
 * Nothing the user had is lost: {@code --overwrite} keeps the earlier run until the new one's first checkpoint, a
 * command refuses to replace a comparison or run of another command, and only the program's own temporaries go.
 */
class OverwriteSafetyTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TinyCifar.write(dir.resolve("cifar10"), 20, 40);
    }

    static String[] tiny(String... args) {
        return TinyCifar.arguments(data, args, "--model", "small-cnn", "--batch-size", "8", "--max-batches", "1",
                "--epochs", "1", "--lr", "0.05", "--test-subset", "8");
    }

    /** @return every regular file below the folder with its bytes */
    static Map<String, byte[]> snapshot(Path folder) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                if (!p.getFileName().toString().equals(".lock")) {
                    m.put(folder.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return m;
    }

    static void assertUnchanged(Map<String, byte[]> before, Path folder) throws Exception {
        Map<String, byte[]> after = snapshot(folder);
        assertEquals(before.keySet(), after.keySet(), "the same files");
        for (String f : before.keySet()) {
            assertArrayEquals(before.get(f), after.get(f), f + " unchanged");
        }
    }

    @Test
    void aFailedOverwriteKeepsTheEarlierRun() throws Exception {
        Path run = dir.resolve("run");
        Run r = MainTest.run(tiny("train", "--optimizer", "msam", "--diagnostics", "1", "--output", run.toString()));
        assertEquals(0, r.code, r.err + r.out);
        Map<String, byte[]> before = snapshot(run);
        assertTrue(before.containsKey(Checkpoint.FILE) && before.containsKey("diagnostics.csv"), before.keySet()
                .toString());

        // the data cannot be read
        r = MainTest.run(tiny("train", "--overwrite", "--dataset", "mnist", "--data-dir",
                dir.resolve("nonexistent").toString(), "--output", run.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertUnchanged(before, run);
        // an option the library would refuse
        r = MainTest.run(tiny("train", "--overwrite", "--optimizer", "sgd", "--wd", "Infinity", "--output",
                run.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--wd must be finite and >= 0, got Infinity"), r.err);
        assertUnchanged(before, run);
        // a BN-only method on a model without BatchNorm: named in the user's terms, found before training
        r = MainTest.run(tiny("train", "--overwrite", "--optimizer", "bnmsam", "--model", "mlp", "--output",
                run.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("--optimizer bnmsam perturbs only the γ and β of BatchNorm and LayerNorm layers, "
                + "and --model mlp has none"), r.err);
        assertUnchanged(before, run);
        // a run that diverges in its first epoch
        r = MainTest.run(tiny("train", "--overwrite", "--optimizer", "sgd", "--model", "mlp", "--lr", "1e30",
                "--schedule", "constant", "--output", run.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("The earlier run in " + run.toAbsolutePath() + " is kept as it was."), r.err);
        assertUnchanged(before, run);

        // an overwrite that trains: the earlier run's files are replaced or removed (no stale diagnostics)
        r = MainTest.run(tiny("train", "--overwrite", "--optimizer", "sgd", "--output", run.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertFalse(Files.exists(run.resolve("diagnostics.csv")), "the earlier run's diagnostics went with it");
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"optimizer\" : \"sgd\""));
        assertEquals("sgd", Checkpoint.readState(run).config.optimizer.name());
    }

    @Test
    void aFailedCompareOverwriteKeepsTheEarlierComparison() throws Exception {
        Path cmp = dir.resolve("cmp-overwrite");
        Run r = MainTest.run(tiny("compare", "--optimizers", "sgd,msam", "--output", cmp.toString()));
        assertEquals(0, r.code, r.err + r.out);
        Map<String, byte[]> before = snapshot(cmp);
        r = MainTest.run(tiny("compare", "--overwrite", "--optimizers", "sgd,msam", "--dataset", "mnist",
                "--data-dir", dir.resolve("nonexistent").toString(), "--output", cmp.toString()));
        assertEquals(1, r.code, r.err + r.out);
        Map<String, byte[]> after = snapshot(cmp);
        after.remove("comparison.json");
        before.remove("comparison.json");
        assertEquals(before.keySet(), after.keySet());
        for (String f : before.keySet()) {
            assertArrayEquals(before.get(f), after.get(f), f);
        }
    }

    @Test
    void commandsDoNotReplaceWhatAnotherCommandWrote() throws Exception {
        Path cmp = dir.resolve("cmp");
        Run r = MainTest.run(tiny("compare", "--optimizers", "sgd", "--output", cmp.toString()));
        assertEquals(0, r.code, r.err + r.out);
        Map<String, byte[]> before = snapshot(cmp);

        // the demo into a comparison's folder
        r = MainTest.run("demo", "--max-batches", "1", "--epochs", "1", "--test-subset", "8", "--no-progress",
                "--output", cmp.toString());
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("holds a comparison made by 'compare' (sgd): the demo replaces only its own "
                + "earlier runs."), r.err);
        assertUnchanged(before, cmp);
        // a second comparison with other entries
        r = MainTest.run(tiny("compare", "--optimizers", "msam", "--output", cmp.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("already holds a comparison (sgd; compare.md, compare.csv and the plots describe "
                + "it)"), r.err);
        assertUnchanged(before, cmp);
        // --resume that would drop an entry of the table
        r = MainTest.run(tiny("compare", "--resume", "--optimizers", "msam", "--output", cmp.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("holds a comparison that includes sgd, which --optimizers leaves out"), r.err);
        assertUnchanged(before, cmp);
        // train into a comparison's folder
        r = MainTest.run(tiny("train", "--optimizer", "sgd", "--output", cmp.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("holds a comparison (compare.md, its plots)"), r.err);
        assertUnchanged(before, cmp);

        // compare into a train run's folder
        Path run = dir.resolve("train-run");
        r = MainTest.run(tiny("train", "--optimizer", "sgd", "--output", run.toString()));
        assertEquals(0, r.code, r.err + r.out);
        Map<String, byte[]> runBefore = snapshot(run);
        r = MainTest.run(tiny("compare", "--optimizers", "sgd", "--output", run.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertTrue(r.err.contains("holds a run of 'train'"), r.err);
        assertUnchanged(runBefore, run);

        // --resume extending the comparison by an entry is fine, and so is --overwrite
        r = MainTest.run(tiny("compare", "--resume", "--optimizers", "sgd,msam", "--output", cmp.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(Files.readString(cmp.resolve("compare.md")).contains("| msam | 1 |"));
        r = MainTest.run(tiny("compare", "--overwrite", "--optimizers", "msam", "--output", cmp.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertFalse(Files.readString(cmp.resolve("compare.md")).contains("| sgd |"));
    }

    @Test
    void onlyTheProgramsOwnTemporariesAreDeleted() throws Exception {
        Path run = dir.resolve("temporaries");
        Files.createDirectories(run);
        Path mine = Files.writeString(run.resolve(".mynotes.tmp"), "the user's notes");
        Path checkpointTmp = Files.write(run.resolve(".checkpoint4711.zip.tmp"), new byte[10]);
        Path jsonTmp = Files.writeString(run.resolve(".metrics.csv.123e4567-e89b-12d3-a456-426614174000.tmp"), "x");
        Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--output", run.toString()));
        assertEquals(0, r.code, r.err + r.out);
        assertEquals("the user's notes", Files.readString(mine));
        assertFalse(Files.exists(checkpointTmp));
        assertFalse(Files.exists(jsonTmp));
    }

    @Test
    void aRefusedCommandLeavesNoFolderBehind() {
        Path typo = dir.resolve("new-folder").resolve("run");
        Run r = MainTest.run(tiny("train", "--optimizer", "sgd", "--wd", "-1", "--output", typo.toString()));
        assertEquals(1, r.code, r.err + r.out);
        r = MainTest.run(tiny("train", "--optimizer", "bnsam", "--model", "mlp", "--output", typo.toString()));
        assertEquals(1, r.code, r.err + r.out);
        assertFalse(Files.exists(dir.resolve("new-folder")), "the folder created for the run was removed again");
    }
}
