package org.msam.examples.train;

import java.util.Locale;

/** What a run measures after each epoch; test numbers are at the true weights θ. */
public final class EpochMetrics {
    /** CSV header matching {@link #csv()}. */
    public static final String HEADER = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,"
            + "images_per_second,learning_rate";

    /** Epoch, from 1. */
    public int epoch;
    /** Mean mini-batch loss DL4J reported while training (at θ̃ for MSAM; includes the L2 penalty). */
    public double trainLoss;
    /** Training accuracy of the forward passes that produced the gradients. */
    public double trainAccuracy;
    /** Test cross-entropy at θ (no label smoothing). */
    public double testLoss;
    /** Test accuracy at θ. */
    public double testAccuracy;
    /** Wall time of the epoch's training, seconds. */
    public double seconds;
    /** Training throughput. */
    public double imagesPerSecond;
    /** Learning rate at the end of the epoch. */
    public double learningRate;

    /** @return one CSV row */
    public String csv() {
        return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f,%.6g", epoch, trainLoss, trainAccuracy,
                testLoss, testAccuracy, seconds, imagesPerSecond, learningRate);
    }
}
