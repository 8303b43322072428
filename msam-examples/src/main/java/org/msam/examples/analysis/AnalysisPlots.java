package org.msam.examples.analysis;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The analysis plots, in the style of {@code org.msam.examples.train.Plots} (white background, grey grid, the
 * same colours): sharpness curves S(r) (the paper's Fig. 4) and a 2-D loss heat map (Fig. A.13).
 */
final class AnalysisPlots {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private AnalysisPlots() {
    }

    /**
     * @param file   PNG to write
     * @param radii  r
     * @param curves S(r) by label
     * @throws IOException if the file cannot be written
     */
    static void sharpness(Path file, double[] radii, Map<String, double[]> curves) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[]> e : curves.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false);
            for (int i = 0; i < radii.length; i++) {
                s.add(radii[i], e.getValue()[i]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Sharpness S(r) = L(θ + r·d/‖d‖) − L(θ)",
                "r (distance along d)", "S(r)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, COLORS[i % COLORS.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
    }

    /**
     * @param file  PNG to write
     * @param title the chart title
     * @param a     coefficients along the first direction (x axis)
     * @param b     coefficients along the second direction (y axis)
     * @param loss  loss[i][j] at (a[i], b[j])
     * @param xName name of the first direction
     * @param yName name of the second direction
     * @throws IOException if the file cannot be written
     */
    static void heatMap(Path file, String title, double[] a, double[] b, double[][] loss, String xName, String yName)
            throws IOException {
        int n = a.length * b.length;
        double[][] xyz = new double[3][n];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                int k = i * b.length + j;
                xyz[0][k] = a[i];
                xyz[1][k] = b[j];
                xyz[2][k] = loss[i][j];
                if (Double.isFinite(loss[i][j])) {
                    min = Math.min(min, loss[i][j]);
                    max = Math.max(max, loss[i][j]);
                }
            }
        }
        if (!(max > min)) {
            max = min + 1;
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("loss", xyz);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockWidth(a.length > 1 ? Math.abs(a[1] - a[0]) : 1);
        renderer.setBlockHeight(b.length > 1 ? Math.abs(b[1] - b[0]) : 1);
        LookupPaintScale scale = new LookupPaintScale(min, max, Color.WHITE);
        int levels = 64;
        for (int l = 0; l < levels; l++) {
            float t = l / (float) (levels - 1);
            // dark blue (low loss) through white to dark red (high loss)
            Color c = t < 0.5f ? blend(new Color(0x08306b), Color.WHITE, t * 2)
                    : blend(Color.WHITE, new Color(0x67000d), (t - 0.5f) * 2);
            scale.add(min + (max - min) * l / levels, c);
        }
        renderer.setPaintScale(scale);
        NumberAxis x = new NumberAxis(xName);
        NumberAxis y = new NumberAxis(yName);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        JFreeChart chart = new JFreeChart(title, plot);
        chart.removeLegend();
        NumberAxis scaleAxis = new NumberAxis("loss");
        scaleAxis.setRange(min, max);
        PaintScaleLegend legend = new PaintScaleLegend(scale, scaleAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 760, 640);
    }

    private static Color blend(Color from, Color to, float t) {
        return new Color(Math.round(from.getRed() + (to.getRed() - from.getRed()) * t),
                Math.round(from.getGreen() + (to.getGreen() - from.getGreen()) * t),
                Math.round(from.getBlue() + (to.getBlue() - from.getBlue()) * t));
    }

    private static XYPlot style(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        return plot;
    }
}
