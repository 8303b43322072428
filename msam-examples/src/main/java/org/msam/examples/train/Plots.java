package org.msam.examples.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG plots of loss and accuracy curves with JFreeChart. */
public final class Plots {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private Plots() {
    }

    /**
     * Writes {@code loss.png} and {@code accuracy.png}: train and test curves of each named run.
     *
     * @param dir  output folder
     * @param runs curves by label (one run, or one per optimizer)
     * @return the written files
     * @throws IOException if a file cannot be written
     */
    public static List<Path> write(Path dir, Map<String, List<EpochMetrics>> runs) throws IOException {
        Files.createDirectories(dir);
        Path loss = dir.resolve("loss.png");
        Path acc = dir.resolve("accuracy.png");
        chart(loss, "Loss", "cross-entropy", runs, m -> m.trainLoss, m -> m.testLoss);
        chart(acc, "Accuracy", "accuracy", runs, m -> m.trainAccuracy, m -> m.testAccuracy);
        return List.of(loss, acc);
    }

    /**
     * Writes {@code diagnostics-cosine.png} (cos(v, g) by iteration) and {@code diagnostics-loss.png} (mini-batch
     * loss at θ and at θ̃ by iteration) from an {@code MsamDiagnostics} CSV file.
     *
     * @param dir output folder
     * @param csv the diagnostics file (header {@code MsamDiagnostics.HEADER})
     * @return the written files
     * @throws IOException if a file cannot be read or written
     */
    public static List<Path> diagnostics(Path dir, Path csv) throws IOException {
        XYSeries cosine = new XYSeries("cos(v, g)");
        XYSeries theta = new XYSeries("loss at θ");
        XYSeries tilde = new XYSeries("loss at θ̃");
        List<String> lines = Files.readAllLines(csv, java.nio.charset.StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            double it = Double.parseDouble(f[0]);
            cosine.add(it, Double.parseDouble(f[2]));
            theta.add(it, Double.parseDouble(f[3]));
            tilde.add(it, Double.parseDouble(f[4]));
        }
        Path cos = dir.resolve("diagnostics-cosine.png");
        Path loss = dir.resolve("diagnostics-loss.png");
        save(cos, "Cosine of the momentum (before its update) and the new gradient", "cosine", cosine);
        save(loss, "Mini-batch loss at θ and at the perturbed θ̃", "cross-entropy", theta, tilde);
        return List.of(cos, loss);
    }

    /** A line chart on a white background with grey grid lines, its y range including 0 or not. */
    private static JFreeChart lineChart(String title, String xLabel, String yLabel, XYSeriesCollection data,
                                        boolean includeZero) {
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(includeZero);
        return chart;
    }

    private static void save(Path file, String title, String yLabel, XYSeries... series) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (XYSeries s : series) {
            data.addSeries(s);
        }
        JFreeChart chart = lineChart(title, "iteration", yLabel, data, true);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < series.length; i++) {
            r.setSeriesPaint(i, COLORS[i % COLORS.length]);
            r.setSeriesStroke(i, new BasicStroke(1.2f));
        }
        plot.setRenderer(r);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
    }

    private static void chart(Path file, String title, String yLabel, Map<String, List<EpochMetrics>> runs,
                              ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> test)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<EpochMetrics>> e : runs.entrySet()) {
            XYSeries tr = new XYSeries(e.getKey() + " train");
            XYSeries te = new XYSeries(e.getKey() + " test");
            for (EpochMetrics m : e.getValue()) {
                tr.add(m.epoch, train.applyAsDouble(m));
                te.add(m.epoch, test.applyAsDouble(m));
            }
            data.addSeries(tr);
            data.addSeries(te);
        }
        JFreeChart chart = lineChart(title, "epoch", yLabel, data, false);
        XYPlot plot = chart.getXYPlot();
        ((org.jfree.chart.axis.NumberAxis) plot.getDomainAxis())
                .setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, COLORS[(i / 2) % COLORS.length]);
            r.setSeriesStroke(i, i % 2 == 0
                    ? new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
                    : new BasicStroke(2f));
        }
        plot.setRenderer(r);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
    }
}
