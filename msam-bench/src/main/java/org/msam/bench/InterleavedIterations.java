package org.msam.bench;

import java.util.Arrays;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.msam.examples.NativeBuild;
import org.msam.examples.models.ModelBuilder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The built-in-layer and the native-op form of a model of {@link ConvolutionModelBenchmark}, timed in one JVM by
 * alternating one {@code fit} of each, so that both meet the same load: on a shared machine, where JMH's one
 * combination after the other lets a changing load decide the ratio. Prints the median and the fastest iteration of
 * each and their ratios, then times the native-op form alone for as many iterations (after 20 untimed ones): the
 * built-in layers' BLAS threads keep spinning for a while after their iteration and take CPU from the native-op
 * iteration that follows, so the interleaved native-op time is the one under the same load as the built-in one, and
 * the time alone is the native-op model's own. Run (the last argument is the number of timed iterations per form,
 * after 20 untimed rounds; {@code OMP_WAIT_POLICY=PASSIVE} lets OpenMP's idle threads sleep instead of spinning, see
 * msam-bench/RESULTS.md):
 * <pre>
 * OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE java -cp msam-bench/target/benchmarks.jar org.msam.bench.InterleavedIterations small-cnn,wrn-16-1 15
 * </pre>
 */
public final class InterleavedIterations {
    /**
     * Untimed rounds before the timed ones: enough for the JIT to compile the Java kernels of the native-op layers
     * ({@code BatchNormKernel}, {@code ReluActivation}); with 3, the first dozen timed iterations were still up to twice
     * as slow.
     */
    static final int WARMUP = 20;

    private InterleavedIterations() {
    }

    /**
     * @param args models (comma-separated: {@code small-cnn}, {@code wrn-16-1}) and timed iterations per form
     */
    public static void main(String[] args) {
        NativeBuild.skipPhysicalMemoryCheck();
        if (args.length != 2) {
            System.err.println("Usage: InterleavedIterations <small-cnn,wrn-16-1> <iterations>");
            System.exit(2);
        }
        Nd4j.create(1);
        boolean onednn = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
        System.out.println("native build: " + (onednn ? "oneDNN" : "generic") + "; OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS") + ", OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY"));
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
     * @return one line: medians, minima and the ratios built-in / native-op, then the native-op form's median and
     *         minimum alone
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
        double[] alone = new double[iterations];
        for (int i = 0; i < WARMUP + iterations; i++) {
            long start = System.nanoTime();
            nets[1].fit(data);
            if (i >= WARMUP) {
                alone[i - WARMUP] = (System.nanoTime() - start) / 1e6;
            }
        }
        return String.format(Locale.ROOT, "%s: built-in median %.0f ms (min %.0f), native-ops median %.0f ms (min %.0f);"
                + " built-in/native %.2f (medians) %.2f (minima), %d interleaved iterations each;"
                + " native-ops alone median %.0f ms (min %.0f)", model, median(ms[0]), min(ms[0]), median(ms[1]),
                min(ms[1]), median(ms[0]) / median(ms[1]), min(ms[0]) / min(ms[1]), iterations, median(alone), min(alone));
    }

    private static double median(double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double min(double[] ms) {
        return Arrays.stream(ms).min().orElseThrow();
    }
}
