package org.msam.bench;

import java.util.Arrays;
import java.util.Locale;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.msam.examples.NativeBuild;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The time of one training iteration ({@code fit(DataSet)}) of one optimizer over another's, on the same model and
 * mini-batch, with the two iterations alternated in one JVM (AB, then BA): each pair shares the machine's load of
 * that moment, so the median of the pairs' ratios stays meaningful on a machine shared with other work, where
 * {@link TrainingIterationBenchmark}'s separate measurements are not. Two builds compared by running this class
 * from each at the same time see the same load too.
 *
 * <pre>
 * OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -cp msam-bench/target/benchmarks.jar org.msam.bench.InterleavedRatio smallCnn msam sgd 40
 * </pre>
 * prints the median ratio, its quartiles over the pairs and the ratio of the total times.
 */
public final class InterleavedRatio {
    private InterleavedRatio() {
    }

    /** The result: the pairs' ratios, sorted. */
    static double[] ratios(String model, String optimizer, String baseline, int pairs, int batch) {
        Model a = Optimizers.network(model, optimizer);
        Model b = Optimizers.network(model, baseline);
        DataSet data = Models.randomBatch(model, batch);
        for (int i = 0; i < 2; i++) {
            fit(a, data);
            fit(b, data);
        }
        return alternated(() -> fit(a, data), () -> fit(b, data), pairs);
    }

    /**
     * Runs {@code a} and {@code b} in {@code pairs} pairs, alternating their order (AB, then BA), and times each.
     *
     * @return the pairs' ratios time(a)/time(b), sorted
     */
    static double[] alternated(Runnable a, Runnable b, int pairs) {
        double[] r = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            Runnable first = i % 2 == 0 ? a : b;
            Runnable second = i % 2 == 0 ? b : a;
            long t0 = System.nanoTime();
            first.run();
            long t1 = System.nanoTime();
            second.run();
            long t2 = System.nanoTime();
            long ta = i % 2 == 0 ? t1 - t0 : t2 - t1;
            long tb = i % 2 == 0 ? t2 - t1 : t1 - t0;
            r[i] = (double) ta / tb;
        }
        Arrays.sort(r);
        return r;
    }

    /** One training iteration of either network type. */
    static void fit(Model m, DataSet d) {
        if (m instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) m).fit(d);
        } else {
            ((ComputationGraph) m).fit(d);
        }
    }

    /**
     * @param args model, optimizer, baseline optimizer, number of pairs (as in {@link Optimizers} and {@link Models});
     *             optionally the mini-batch size (default 16)
     */
    public static void main(String[] args) {
        NativeBuild.skipPhysicalMemoryCheck();
        if (args.length < 4) {
            System.err.println("usage: InterleavedRatio MODEL OPTIMIZER BASELINE PAIRS [BATCH]");
            System.exit(2);
        }
        int pairs = Integer.parseInt(args[3]);
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        double[] r = ratios(args[0], args[1], args[2], pairs, batch);
        System.out.printf(Locale.ROOT, "%s %s/%s over %d pairs: median %.3f, quartiles [%.3f, %.3f]%n", args[0],
                args[1], args[2], pairs, r[pairs / 2], r[pairs / 4], r[(3 * pairs) / 4]);
    }
}
