package org.msam.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Records what every worker's copy trains, for executors in other JVMs: each mini-batch a copy trains is written to
 * {@code dir/<iteration>_<epoch>_<pid>_<copy>_<k>.batch} (the copy's counters when it started, the executor's process
 * id, a random id per copy, the mini-batch's index in the copy), by write-then-rename so a reader never sees half a
 * file, and then the hook waits {@code pauseMillis} (a slow step, so that a test can kill the executor inside it).
 * The directory must be shared by the executors and the test (loopback: the same machine). Runs after the library's
 * hook, so the copy's counters are the driver's.
 */
final class FileRecordingHook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private static final Map<Model, String> COPIES = Collections.synchronizedMap(new IdentityHashMap<>());
    private static final Map<Model, Integer> COUNTS = Collections.synchronizedMap(new IdentityHashMap<>());

    private final String dir;
    private final long pauseMillis;

    FileRecordingHook(File dir, long pauseMillis) {
        this.dir = dir.getAbsolutePath();
        this.pauseMillis = pauseMillis;
    }

    @Override
    public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
        String copy = COPIES.computeIfAbsent(model, m -> Drivers.iteration(m) + "_" + Drivers.epoch(m) + "_"
                + ProcessHandle.current().pid() + "_" + UUID.randomUUID());
        int k = COUNTS.merge(model, 1, Integer::sum) - 1;
        File out = new File(dir, copy + "_" + k + ".batch");
        File tmp = new File(dir, "." + out.getName() + ".tmp");
        try {
            ((DataSet) minibatch).save(tmp);
            Files.move(tmp.toPath(), out.toPath(), StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(pauseMillis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the cluster test trains MultiLayerNetworks");
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
