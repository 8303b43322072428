package org.msam.examples.train;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The checkpoint of a run: {@code checkpoint.zip}, DL4J's model file (configuration, parameters θ, updater state,
 * iteration and epoch counters) with the run's state (configuration and metrics so far) as
 * an extra entry. Written to a temporary file in the same folder and renamed atomically, so an interrupted
 * write never replaces a good checkpoint; reading never changes any file.
 */
public final class Checkpoint {
    /** File name inside the run folder. */
    public static final String FILE = "checkpoint.zip";
    private static final String STATE_ENTRY = "msam-run-state.json";

    /** The run's state saved with the model. */
    public static final class State {
        /** Configuration of the run. */
        public RunConfig config;
        /** Epochs completed. */
        public int epochsDone;
        /** Their metrics. */
        public List<EpochMetrics> metrics = new ArrayList<>();
        /** Training seconds so far. */
        public double trainSeconds;
        /**
         * True when the run has finished: every epoch trained and, for MSAM with BatchNorm, the statistics recomputed
         * at θ; the saved model is then the final, reported one.
         */
        public boolean finished;
        /** The final test loss at θ (of the saved model), once finished. */
        public double finalTestLoss;
        /** The final test accuracy at θ (of the saved model), once finished. */
        public double finalTestAccuracy;

        /**
         * Marks the run finished with the final model's test metrics.
         *
         * @param loss     final test loss
         * @param accuracy final test accuracy
         */
        public void finish(double loss, double accuracy) {
            finished = true;
            finalTestLoss = loss;
            finalTestAccuracy = accuracy;
        }
    }

    private Checkpoint() {
    }

    /**
     * Saves atomically; the model must hold θ (it does after {@code fit(iterator)} returns).
     *
     * @param dir   run folder
     * @param net   the model
     * @param state the run's state
     * @throws IOException           if writing fails (the previous checkpoint is then intact)
     * @throws IllegalStateException if a parameter is not finite (nothing is written)
     */
    public static void save(Path dir, ComputationGraph net, State state) throws IOException {
        if (!org.msam.rule.Norms.allFinite(net.params())) {
            throw new IllegalStateException("The parameters hold NaN or infinite values after epoch "
                    + state.epochsDone + ": no checkpoint was written, the previous one in " + dir.resolve(FILE)
                    + " is kept. Fix: lower --lr, add --warmup-epochs or --clip-norm.");
        }
        Path target = dir.resolve(FILE);
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, ".checkpoint", ".zip.tmp");
            ModelSerializer.writeModel(net, tmp.toFile(), true);
            ModelSerializer.addObjectToFile(tmp.toFile(), STATE_ENTRY, Json.write(state));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw Json.cannotWrite(target, e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** @return true when the folder holds a checkpoint */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /**
     * @param dir run folder
     * @return the saved run state
     * @throws IOException if the checkpoint is missing or unreadable (the message names the file)
     */
    public static State readState(Path dir) throws IOException {
        File f = dir.resolve(FILE).toFile();
        if (!f.isFile()) {
            throw new IOException("No checkpoint to resume from: " + f + " does not exist. Run without --resume, or "
                    + "point --output at the folder of the run to resume.");
        }
        try {
            String json = ModelSerializer.getObjectFromFile(f, STATE_ENTRY);
            return Json.read(json, State.class);
        } catch (RuntimeException | IOException e) {
            throw new IOException("Cannot read the run state in " + f + " (" + e.getMessage() + "): the file is not a "
                    + "checkpoint written by this program, or it is damaged. Nothing was changed; start a new run "
                    + "with another --output folder.", e);
        }
    }

    /**
     * @param dir run folder
     * @return the saved model, at θ, with its updater state
     * @throws IOException if it cannot be read
     */
    public static ComputationGraph readModel(Path dir) throws IOException {
        File f = dir.resolve(FILE).toFile();
        try {
            return ModelSerializer.restoreComputationGraph(f, true);
        } catch (RuntimeException | IOException e) {
            throw new IOException("Cannot read the model in " + f + " (" + e.getMessage() + "). Nothing was changed.",
                    e);
        }
    }
}
