package org.msam.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.msam.examples.models.ModelBuilder;
import org.msam.examples.models.SmallCnn;
import org.msam.examples.models.WideResNet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One training iteration ({@code fit(DataSet)} on one random mini-batch of 3×32×32 images) of the examples' own
 * convolutional models, with DL4J's built-in layers ({@code layers=built-in}: {@code ConvolutionLayer}'s
 * im2col + GEMM, as before the native ops) or with libnd4j's convolution and batch-normalisation ops
 * ({@code layers=native-ops}: {@link org.msam.examples.models.OpConvolutionLayer},
 * {@link org.msam.examples.models.OpBatchNormalization}, the examples' default):
 * <ul>
 *   <li>{@code small-cnn}: {@link SmallCnn} at 3×32×32, 10 classes, one convolution per stage (the default), dropout
 *       0.5;</li>
 *   <li>{@code wrn-16-1}: {@link WideResNet#wrn16x1()}, 100 classes.</li>
 * </ul>
 * The optimizers are those of {@link Optimizers} ({@code sgd}: heavy-ball SGD; {@code msam}: MSAM over it).
 * msam-bench/pytorch/time_models.py times the same two models in PyTorch.
 *
 * <p>Which native build runs is decided when the forked JVM starts: the oneDNN build when it is on the class path
 * (the {@code onednn} profile, default on Linux x86-64), the generic one with
 * {@code -jvmArgsAppend -Dorg.bytedeco.javacpp.platform.extension=}. Set the thread count for both DL4J and PyTorch
 * with {@code OMP_NUM_THREADS}. Run, side by side:
 * <pre>
 * mvn -B package -pl msam-bench -am -DskipTests
 * export OMP_NUM_THREADS=2
 * java -jar msam-bench/target/benchmarks.jar ConvolutionModelBenchmark -f 1 -wi 2 -i 5 -rf json -rff conv-onednn.json
 * java -jar msam-bench/target/benchmarks.jar ConvolutionModelBenchmark -p optimizer=sgd -f 1 -wi 2 -i 5 \
 *     -jvmArgsAppend -Dorg.bytedeco.javacpp.platform.extension= -rf json -rff conv-generic.json
 * python3 msam-bench/pytorch/time_models.py --threads 2 --batch 16
 * </pre>
 */
@State(Scope.Benchmark)
public class ConvolutionModelBenchmark extends AbstractBenchmark {
    /** The model: {@code small-cnn} or {@code wrn-16-1}. */
    @Param({"small-cnn", "wrn-16-1"})
    public String model;

    /** {@code built-in} (DL4J's layers) or {@code native-ops} (libnd4j's ops). */
    @Param({"built-in", "native-ops"})
    public String layers;

    /** The optimizer, see {@link Optimizers}. */
    @Param({"sgd", "msam"})
    public String optimizer;

    /** Mini-batch size. */
    @Param({"16"})
    public int batch;

    private ComputationGraph net;
    private DataSet data;

    /**
     * @param model  {@code small-cnn} or {@code wrn-16-1}
     * @param layers {@code built-in} or {@code native-ops}
     * @return the model's builder with that choice of layers, without updater
     */
    static ModelBuilder<?> builder(String model, String layers) {
        ModelBuilder<?> b;
        switch (model) {
            case "small-cnn":
                b = SmallCnn.builder().inputShape(3, 32, 32).numClasses(10);
                break;
            case "wrn-16-1":
                b = WideResNet.wrn16x1().numClasses(100);
                break;
            default:
                throw new IllegalArgumentException("Unknown model \"" + model + "\"; expected small-cnn or wrn-16-1");
        }
        switch (layers) {
            case "built-in":
                return b.nativeOps(false);
            case "native-ops":
                return b.nativeOps(true);
            default:
                throw new IllegalArgumentException("Unknown layers \"" + layers + "\"; expected built-in or native-ops");
        }
    }

    /** Builds the network with its optimizer and a random mini-batch. */
    @Setup(Level.Trial)
    public void setup() {
        ModelBuilder<?> b = builder(model, layers).updater(Optimizers.updater(optimizer)).l2(Optimizers.l2(optimizer));
        net = (ComputationGraph) Optimizers.install(optimizer, b.init());
        data = randomBatch(batch, b.numClasses());
    }

    /**
     * @param batch   mini-batch size
     * @param classes number of classes
     * @return 3×32×32 N(0, 1) images (seed 42) with one-hot labels (i·7 mod classes)
     */
    static DataSet randomBatch(int batch, int classes) {
        Nd4j.getRandom().setSeed(42);
        return new DataSet(Nd4j.randn(DataType.FLOAT, batch, 3, 32, 32),
                Nd4j.eye(classes).castTo(DataType.FLOAT).getRows(java.util.stream.IntStream.range(0, batch)
                        .map(i -> (i * 7) % classes).toArray()));
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
        net.fit(data);
        return net.score();
    }
}
