package org.msam.bench;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One training iteration, {@code fit(DataSet)} on one random mini-batch (forward, backward, optimizer step,
 * listeners), for each optimizer of {@link Optimizers} on each model of {@link Models}: the cost that the
 * paper's claim "MSAM costs about the same per step as its base optimizer, SAM twice" is about.
 * {@code sgd}/{@code nag} are our SgdMomentum, {@code adamw} our AdamW with its decay listener, {@code sam} SAM
 * over {@code sgd} (two passes), {@code msam}/{@code msam-adamw} MSAM over {@code sgd}/{@code adamw}, {@code asam},
 * {@code amsam}, {@code bnsam}, {@code bnmsam}, {@code looksam}, {@code esam} and {@code mesa} the adaptive, BN-only,
 * LookSAM, ESAM (β = γ = 0.5) and MESA (distilling from the first step) forms over {@code sgd} (the names of the
 * examples' optimizer
 * catalog; earlier results call {@code msam-adamw} {@code msamAdamW}).
 *
 * <p>On a 2-core CPU (one ND4J thread, batch 16, see msam-bench/RESULTS.md) an SGD iteration takes about 0.35 s
 * for the small CNN and 1.7 s for WRN-16-1; WRN-16-4 (2.8M parameters) about 0.4 s per example, so keep its batch
 * small and its iterations few. Run:
 * <pre>
 * mvn -B package -pl msam-bench -am -DskipTests
 * java -jar msam-bench/target/benchmarks.jar TrainingIterationBenchmark -p model=smallCnn,wrn16_1 -rf json -rff iteration.json
 * java -jar msam-bench/target/benchmarks.jar TrainingIterationBenchmark -p model=wrn16_4 -p batch=8 -f 1 -wi 1 -i 3 -rf json -rff wrn16_4.json
 * java -cp msam-bench/target/benchmarks.jar org.msam.bench.Report iteration.json wrn16_4.json
 * </pre>
 */
@State(Scope.Benchmark)
public class TrainingIterationBenchmark extends AbstractBenchmark {
    /** The network, see {@link Models}. */
    @Param({"smallCnn", "wrn16_1", "wrn16_4"})
    public String model;

    /** The optimizer, see {@link Optimizers}. */
    @Param({"sgd", "nag", "adamw", "sam", "msam", "msam-adamw", "asam", "amsam", "bnsam", "bnmsam", "looksam", "esam",
        "mesa", "lastgrad", "neglastgrad", "randdir", "rlastgrad", "rneglastgrad", "rranddir"})
    public String optimizer;

    /** Mini-batch size. */
    @Param({"16"})
    public int batch;

    private Model net;
    private DataSet data;

    /** Builds the network with its listener and a random mini-batch. */
    @Setup(Level.Trial)
    public void setup() {
        net = Optimizers.network(model, optimizer);
        data = Models.randomBatch(model, batch);
    }

    /** Drops the network. */
    @TearDown(Level.Trial)
    public void tearDown() {
        net = null;
        data = null;
    }

    /** @return the score of the iteration */
    @Benchmark
    public double fit() {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(data);
        } else {
            ((ComputationGraph) net).fit(data);
        }
        return net.score();
    }
}
