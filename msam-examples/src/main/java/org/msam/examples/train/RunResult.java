package org.msam.examples.train;

import java.util.ArrayList;
import java.util.List;

/** The outcome of a training run, also written as {@code result.json}. */
public final class RunResult {
    /** The configuration. */
    public RunConfig config;
    /** Metrics of every epoch, in order. */
    public List<EpochMetrics> epochs = new ArrayList<>();
    /** Final test accuracy at θ (after recomputing BatchNorm statistics for MSAM, when the model has them). */
    public double finalTestAccuracy;
    /** Final test loss at θ. */
    public double finalTestLoss;
    /** Training wall time in seconds, summed over epochs (evaluation excluded). */
    public double trainSeconds;
    /** Output folder of the run. */
    public String outputDir;

    /** @return true when every epoch of the configuration is done */
    public boolean complete() {
        return config != null && epochs.size() >= config.epochs;
    }

    /** @return the last epoch's metrics, or null */
    public EpochMetrics last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }
}
