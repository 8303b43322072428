package org.msam.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.msam.dl4j.SharpnessAware;
import org.msam.examples.NativeBuild;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One epoch of {@code batches} mini-batches on one device ({@code workers = 1}: {@code net.fit(iterator)}) and on
 * two data-parallel workers ({@code workers = 2}: {@link SharpnessAware#parallelWrapper}, AVERAGING after every round,
 * so half as many optimizer steps, each on two mini-batches), for SGD, MSAM and SAM on the small CNN. The claim it
 * checks: MSAM's speed-up from a second worker, t(1)/t(2), equals SGD's within the error (the wrapper adds the same
 * averaging to both, and MSAM's only extra work, moving each worker to θ and back around the averaging, is one
 * vector pass). SAM's two passes per step are split the same way.
 *
 * <p>The workers are threads of one JVM: on a CPU they compete for the same cores, so run with one ND4J thread per
 * worker and at least as many cores as workers, nothing else meanwhile:
 * <pre>
 * mvn -B package -pl msam-bench -am -DskipTests
 * OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -jar msam-bench/target/benchmarks.jar ParallelEpochBenchmark -rf json -rff parallel.json
 * java -cp msam-bench/target/benchmarks.jar org.msam.bench.ParallelEpochBenchmark parallel.json
 * </pre>
 * The second command prints each optimizer's speed-up and its ratio to SGD's.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class ParallelEpochBenchmark extends AbstractBenchmark {
    /** The network, see {@link Models}. */
    @Param({"smallCnn"})
    public String model;

    /** The optimizer, see {@link Optimizers}. */
    @Param({"sgd", "msam", "sam"})
    public String optimizer;

    /** Data-parallel workers (1: one device, no wrapper). */
    @Param({"1", "2"})
    public int workers;

    /** Mini-batches per epoch. */
    @Param({"8"})
    public int batches;

    /** Mini-batch size (each worker's). */
    @Param({"16"})
    public int batch;

    private Model net;
    private ParallelWrapper wrapper;
    private DataSetIterator epoch;

    /** Builds the network with its driver, the wrapper and the epoch's mini-batches. */
    @Setup(Level.Trial)
    public void setup() {
        net = Optimizers.network(model, optimizer);
        List<DataSet> data = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            data.add(Models.randomBatch(model, batch));
        }
        epoch = new ExistingDataSetIterator(data);
        if (workers > 1) {
            wrapper = SharpnessAware.parallelWrapper(net).workers(workers).averagingFrequency(1)
                    .trainingMode(ParallelWrapper.TrainingMode.AVERAGING).prefetchBuffer(0).build();
        }
    }

    /** Drops the network. */
    @TearDown(Level.Trial)
    public void tearDown() {
        net = null;
        wrapper = null;
        epoch = null;
    }

    /** @return the score after the epoch */
    @Benchmark
    public double epoch() {
        epoch.reset();
        if (wrapper != null) {
            wrapper.fit(epoch);
        } else if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(epoch);
        } else {
            ((ComputationGraph) net).fit(epoch);
        }
        return net.score();
    }

    /**
     * The speed-ups of a run: for each optimizer (and other parameters), s = t(1 worker)/t(2 workers) with its error
     * (the relative errors of the two means added in quadrature), and s/s_sgd of the same run.
     *
     * @param results the run's results
     * @return a Markdown table
     */
    public static String speedups(List<Report.Result> results) {
        Map<String, double[]> one = new TreeMap<>();
        Map<String, double[]> two = new TreeMap<>();
        for (Report.Result r : results) {
            if (!r.benchmark.endsWith("ParallelEpochBenchmark.epoch")) {
                continue;
            }
            Map<String, String> p = new TreeMap<>(r.params);
            String w = p.remove("workers");
            String key = p.toString();
            double[] v = {r.score, Double.isNaN(r.error) ? 0 : r.error};
            if ("1".equals(w)) {
                one.put(key, v);
            } else if ("2".equals(w)) {
                two.put(key, v);
            }
        }
        Map<String, double[]> speedup = new TreeMap<>();
        for (Map.Entry<String, double[]> e : one.entrySet()) {
            double[] b = two.get(e.getKey());
            if (b == null) {
                continue;
            }
            double[] a = e.getValue();
            double s = a[0] / b[0];
            speedup.put(e.getKey(), new double[] {s, s * Math.hypot(a[1] / a[0], b[1] / b[0]), a[0], b[0]});
        }
        StringBuilder md = new StringBuilder("| parameters | epoch, 1 worker (ms) | epoch, 2 workers (ms) | speed-up "
                + "t1/t2 | speed-up / sgd's |\n|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, double[]> e : speedup.entrySet()) {
            double[] s = e.getValue();
            double[] sgd = speedup.get(e.getKey().replaceAll("optimizer=[^,}]+", "optimizer=sgd"));
            String rel = "—";
            if (sgd != null) {
                double r = s[0] / sgd[0];
                rel = String.format(Locale.ROOT, "%.2f ± %.2f", r, r * Math.hypot(s[1] / s[0], sgd[1] / sgd[0]));
            }
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f ± %.2f | %s |%n", e.getKey(), s[2], s[3],
                    s[0], s[1], rel));
        }
        return md.toString();
    }

    /**
     * Prints {@link #speedups} of JMH JSON result files.
     *
     * @param args the files
     */
    public static void main(String[] args) {
        NativeBuild.skipPhysicalMemoryCheck();
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            files.add(Path.of(a));
        }
        System.out.print(speedups(Report.read(files)));
    }
}
