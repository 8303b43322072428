package org.msam.examples.train;

import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.msam.examples.models.ModelBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Tracks the training loss and accuracy of an epoch and shows its progress with loss, accuracy and images per
 * second: a progress bar redrawn in place on a terminal, and on other output (a log file, a pipe) a plain line
 * every {@value #LINE_EVERY_PERCENT} %. Accuracy is taken from the forward pass that produced each gradient (at θ̃
 * for MSAM; with several workers, worker 0's passes).
 */
final class ProgressListener extends BaseTrainingListener {
    /** On output that is not a terminal, a line every this many percent of the epoch. */
    static final int LINE_EVERY_PERCENT = 10;
    private final boolean show;
    private final boolean terminal;
    private final java.io.PrintStream log;
    private ProgressBar bar;
    private String task;
    private long total;
    private int nextPercent;
    private long start;
    private long images;
    private double lossSum;
    private int batches;
    private long correct;
    private long seen;
    private INDArray predictions;
    /** Mini-batches per step: data-parallel workers each train one. */
    private int workers = 1;

    /**
     * @param show     whether to show progress at all
     * @param terminal whether the output is a terminal (a redrawn bar) or not (plain lines)
     * @param log      where the plain lines go
     */
    ProgressListener(boolean show, boolean terminal, java.io.PrintStream log) {
        this.show = show;
        this.terminal = terminal;
        this.log = log;
    }

    /**
     * @param workers data-parallel workers: a step is one mini-batch per worker (the last round of an epoch may have
     *                fewer, so the image count can exceed the epoch's by less than one round)
     */
    void workers(int workers) {
        this.workers = workers;
    }

    void startEpoch(String task, long totalBatches) {
        images = 0;
        lossSum = 0;
        batches = 0;
        correct = 0;
        seen = 0;
        start = System.nanoTime();
        this.task = task;
        this.total = totalBatches;
        this.nextPercent = LINE_EVERY_PERCENT;
        if (show && terminal) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalBatches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(log)).build();
        }
    }

    double endEpoch() {
        double seconds = (System.nanoTime() - start) / 1e9;
        if (bar != null) {
            bar.close();
            bar = null;
        }
        return seconds;
    }

    double meanLoss() {
        return batches == 0 ? Double.NaN : lossSum / batches;
    }

    double accuracy() {
        return seen == 0 ? Double.NaN : (double) correct / seen;
    }

    long images() {
        return images;
    }

    /**
     * The output layer's activations are not passed to listeners, so the prediction is recomputed from its input
     * (the activation of the vertex feeding it) and its parameters: argmax(x·W + b), without dropout. The labels
     * of the batch reach the output layer only during the backward pass (and are cleared after it), so they are
     * compared in {@link #onBackwardPass}.
     */
    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        if (!(model instanceof ComputationGraph)) {
            return;
        }
        ComputationGraph g = (ComputationGraph) model;
        java.util.List<String> inputs = g.getConfiguration().getVertexInputs().get(ModelBuilder.OUTPUT);
        org.deeplearning4j.nn.api.Layer outLayer = g.getLayer(ModelBuilder.OUTPUT);
        if (inputs == null || inputs.size() != 1 || outLayer == null) {
            return;
        }
        INDArray x = activations.get(inputs.get(0));
        INDArray w = outLayer.getParam("W");
        INDArray b = outLayer.getParam("b");
        predictions = null;
        if (x == null || w == null || x.rank() != 2 || x.size(1) != w.size(0)) {
            return;
        }
        INDArray logits = x.castTo(w.dataType()).mmul(w);
        if (b != null) {
            logits.addiRowVector(b);
        }
        predictions = logits.argMax(1);
    }

    @Override
    public void onBackwardPass(Model model) {
        if (predictions == null || !(model instanceof ComputationGraph)) {
            return;
        }
        INDArray labels = ((IOutputLayer) ((ComputationGraph) model).getLayer(ModelBuilder.OUTPUT)).getLabels();
        if (labels != null && labels.size(0) == predictions.length()) {
            correct += predictions.eq(labels.argMax(1)).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber()
                    .longValue();
            seen += predictions.length();
        }
        predictions = null;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        step(model.score(), model.batchSize() * workers);
    }

    /** Counts one finished batch and shows the progress. */
    void step(double loss, int batchSize) {
        batches++;
        lossSum += loss;
        images += batchSize;
        double s = (System.nanoTime() - start) / 1e9;
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %.3f %.0f img/s", meanLoss(), accuracy(),
                    images / Math.max(s, 1e-9)));
        } else if (show && total > 0 && batches * 100L >= nextPercent * total && batches < total) {
            log.printf(Locale.ROOT, "%s: %d%% (%d/%d batches), loss %.4f acc %.3f, %.0f img/s%n", task,
                    batches * 100L / total, batches, total, meanLoss(), accuracy(), images / Math.max(s, 1e-9));
            while (nextPercent * total <= batches * 100L) {
                nextPercent += LINE_EVERY_PERCENT;
            }
        }
    }
}
