package org.msam.bench;

import java.util.Locale;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.msam.dl4j.Accumulation;
import org.msam.dl4j.SharpnessAware;
import org.msam.examples.NativeBuild;
import org.nd4j.linalg.dataset.DataSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of gradient accumulation (msam-dl4j's {@link Accumulation}): {@value #MICRO_BATCHES} {@code fit(DataSet)}
 * calls on micro-batches of the same size, with {@code accumulate} micro-batches per optimizer step (1: a step per
 * micro-batch, as without accumulation). The score is the time per micro-batch; divided by {@code batch} it is the
 * cost per example, and the ratio of {@code accumulate=4} to {@code accumulate=1} is what accumulation costs per
 * example (one step per 4 micro-batches saves 3 optimizer steps and adds the window's sum, one pass over the
 * parameters per micro-batch).
 *
 * <pre>
 * mvn -B package -pl msam-bench -am -DskipTests
 * java -jar msam-bench/target/benchmarks.jar AccumulationBenchmark -f 1 -wi 2 -i 4 -rf json -rff accumulation.json
 * </pre>
 * On a shared machine the separate measurements of JMH see different loads; {@link #main} alternates the two in one
 * JVM (each pair of windows shares the load of its moment) and prints the median ratio:
 * <pre>
 * OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -cp msam-bench/target/benchmarks.jar org.msam.bench.AccumulationBenchmark smallCnn sgd,msam,sam 4 10
 * </pre>
 */
@State(Scope.Benchmark)
public class AccumulationBenchmark extends AbstractBenchmark {
    /** Micro-batches per benchmark operation: {@value}. */
    public static final int MICRO_BATCHES = 4;

    /** The network, see {@link Models}. */
    @Param({"smallCnn"})
    public String model;

    /** The optimizer, see {@link Optimizers}. */
    @Param({"sgd", "msam", "sam"})
    public String optimizer;

    /** Micro-batches per optimizer step. */
    @Param({"1", "4"})
    public int accumulate;

    /** Micro-batch size. */
    @Param({"16"})
    public int batch;

    private Model net;
    private DataSet data;

    /** Builds the network with its driver and accumulation, and a random micro-batch. */
    @Setup(Level.Trial)
    public void setup() {
        net = network(model, optimizer, accumulate);
        data = Models.randomBatch(model, batch);
    }

    /** {@value #MICRO_BATCHES} micro-batches: the score is the time of one. */
    @Benchmark
    @OperationsPerInvocation(MICRO_BATCHES)
    public void microBatches() {
        for (int i = 0; i < MICRO_BATCHES; i++) {
            InterleavedRatio.fit(net, data);
        }
    }

    /**
     * @return model {@code model} with optimizer {@code optimizer}, its driver installed with {@code k} micro-batches
     *     per step
     */
    static Model network(String model, String optimizer, int k) {
        Model m = Optimizers.network(model, optimizer);
        if (m instanceof MultiLayerNetwork) {
            SharpnessAware.install((MultiLayerNetwork) m, Accumulation.steps(k));
        } else {
            SharpnessAware.install((ComputationGraph) m, Accumulation.steps(k));
        }
        return m;
    }


    /**
     * Per optimizer: {@code pairs} pairs of k micro-batches, accumulated (one step) and not (k steps), alternated
     * (AB, then BA) in this JVM; the ratios of each pair's times, sorted.
     */
    static double[] ratios(String model, String optimizer, int k, int pairs, int batch) {
        Model acc = network(model, optimizer, k);
        Model plain = network(model, optimizer, 1);
        DataSet data = Models.randomBatch(model, batch);
        for (int i = 0; i < 2 * k; i++) {
            InterleavedRatio.fit(acc, data);
            InterleavedRatio.fit(plain, data);
        }
        return InterleavedRatio.alternated(() -> fitTimes(acc, data, k), () -> fitTimes(plain, data, k), pairs);
    }

    private static void fitTimes(Model m, DataSet d, int times) {
        for (int j = 0; j < times; j++) {
            InterleavedRatio.fit(m, d);
        }
    }

    /**
     * Prints, per optimizer, the median ratio of the per-example cost accumulated / not accumulated and its
     * quartiles.
     *
     * @param args model, comma-separated optimizers, k, pairs[, micro-batch size (16)]
     */
    public static void main(String[] args) {
        NativeBuild.skipPhysicalMemoryCheck();
        if (args.length < 4) {
            System.err.println("usage: AccumulationBenchmark <model> <optimizer,...> <k> <pairs> [batch]");
            System.exit(2);
        }
        int k = Integer.parseInt(args[2]);
        int pairs = Integer.parseInt(args[3]);
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        for (String optimizer : args[1].split(",")) {
            double[] r = ratios(args[0], optimizer, k, pairs, batch);
            System.out.println(String.format(Locale.ROOT, "%s %s k=%d batch=%d: per-example cost accumulated / not "
                    + "= %.3f (quartiles %.3f-%.3f, %d pairs of %d micro-batches)", args[0], optimizer, k, batch,
                    r[r.length / 2], r[r.length / 4], r[(3 * r.length) / 4], pairs, k));
        }
    }
}
