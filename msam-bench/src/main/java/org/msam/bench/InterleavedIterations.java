package org.msam.bench;

import java.util.Arrays;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.msam.examples.models.ModelBuilder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The built-in-layer and the native-op form of a model of {@link ConvolutionModelBenchmark}, timed in one JVM by
 * alternating one {@code fit} of each, so that both meet the same load: on a shared machine, where JMH's one
 * combination after the other lets a changing load decide the ratio. Prints the median and the fastest iteration of
 * each and their ratios. Run (the last argument is the number of timed iterations per form, after 3 untimed rounds):
 * <pre>
 * OMP_NUM_THREADS=2 java -cp msam-bench/target/benchmarks.jar org.msam.bench.InterleavedIterations small-cnn,wrn-16-1 15
 * </pre>
 */
public final class InterleavedIterations {
    /** Untimed rounds before the timed ones. */
    static final int WARMUP = 3;

    private InterleavedIterations() {
    }

    /**
     * @param args models (comma-separated: {@code small-cnn}, {@code wrn-16-1}) and timed iterations per form
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("Usage: InterleavedIterations <small-cnn,wrn-16-1> <iterations>");
            System.exit(2);
        }
        Nd4j.create(1);
        boolean onednn = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
        System.out.println("native build: " + (onednn ? "oneDNN" : "generic"));
        for (String model : args[0].split(",")) {
            System.out.println(run(model, Integer.parseInt(args[1]), 16));
        }
    }

    /**
     * Times the two forms of one model, alternating.
     *
     * @param model      {@code small-cnn} or {@code wrn-16-1}
     * @param iterations timed iterations per form, at least 1
     * @param batch      mini-batch size
     * @return one line: medians, minima and the ratios built-in / native-op
     */
    static String run(String model, int iterations, int batch) {
        if (iterations < 1) {
            throw new IllegalArgumentException("Invalid iterations: " + iterations + " (must be at least 1)");
        }
        String[] layers = {"built-in", "native-ops"};
        ComputationGraph[] nets = new ComputationGraph[2];
        int classes = 0;
        for (int k = 0; k < 2; k++) {
            ModelBuilder<?> b = ConvolutionModelBenchmark.builder(model, layers[k]).updater(Optimizers.updater("sgd"))
                    .l2(Optimizers.l2("sgd"));
            nets[k] = b.init();
            classes = b.numClasses();
        }
        DataSet data = ConvolutionModelBenchmark.randomBatch(batch, classes);
        double[][] ms = new double[2][iterations];
        for (int i = 0; i < WARMUP + iterations; i++) {
            for (int k = 0; k < 2; k++) {
                long start = System.nanoTime();
                nets[k].fit(data);
                if (i >= WARMUP) {
                    ms[k][i - WARMUP] = (System.nanoTime() - start) / 1e6;
                }
            }
        }
        double[] median = new double[2];
        double[] min = new double[2];
        for (int k = 0; k < 2; k++) {
            Arrays.sort(ms[k]);
            median[k] = iterations % 2 == 1 ? ms[k][iterations / 2]
                    : (ms[k][iterations / 2 - 1] + ms[k][iterations / 2]) / 2;
            min[k] = ms[k][0];
        }
        return String.format(Locale.ROOT, "%s: built-in median %.0f ms (min %.0f), native-ops median %.0f ms (min %.0f);"
                + " built-in/native %.2f (medians) %.2f (minima), %d interleaved iterations each", model, median[0],
                min[0], median[1], min[1], median[0] / median[1], min[0] / min[1], iterations);
    }
}
