package org.msam.examples.analysis;

import java.io.PrintStream;

import org.msam.analysis.LossLandscape;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows the progress of the long measurements: a progress bar per task on a console, plain lines (about every
 * tenth of a task, and its end) when there is no console or bars are off, nothing when quiet.
 */
final class AnalysisProgress implements LossLandscape.Progress, AutoCloseable {
    private final PrintStream out;
    private final boolean bars;
    private final boolean quiet;
    private final String prefix;
    private ProgressBar bar;
    private String task;
    private long lastPrinted;

    /**
     * @param out    where plain lines go
     * @param show   false: no bar (plain lines only)
     * @param quiet  true: nothing at all
     * @param prefix run name put before each task
     */
    AnalysisProgress(PrintStream out, boolean show, boolean quiet, String prefix) {
        this.out = out;
        this.bars = show && System.console() != null;
        this.quiet = quiet;
        this.prefix = prefix;
    }

    @Override
    public void update(String name, long done, long total) {
        if (quiet) {
            return;
        }
        if (!name.equals(task)) {
            close();
            task = name;
            lastPrinted = 0;
            if (bars) {
                bar = new ProgressBarBuilder().setTaskName(prefix + " " + name).setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                        .setConsumer(new ConsoleProgressBarConsumer(System.out)).build();
            }
        }
        if (bar != null) {
            bar.stepTo(done);
        } else if (done == total || done - lastPrinted >= Math.max(1, total / 10)) {
            out.printf("%s %s %d/%d%n", prefix, name, done, total);
            lastPrinted = done;
        }
        if (done == total) {
            close();
            task = null;
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
