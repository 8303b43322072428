package org.msam.bench;

import java.nio.FloatBuffer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.ops.impl.updaters.NesterovsUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The single ND4J operations the optimizer steps of {@link OptimizerStepBenchmark} are made of, on float32
 * vectors of {@code size} elements, to attribute a step's time to its passes over memory:
 * <table>
 *   <caption>Operations ({@code op})</caption>
 *   <tr><th>value</th><th>operation</th><th>vectors read + written</th></tr>
 *   <tr><td>{@code copy}</td><td>{@code y.assign(x)}</td><td>1 + 1</td></tr>
 *   <tr><td>{@code subi}</td><td>{@code y.subi(x)}</td><td>2 + 1</td></tr>
 *   <tr><td>{@code axpy}</td><td>y ← a·x + y ({@code Axpy}, as msam-core's kernels use it)</td><td>2 + 1</td></tr>
 *   <tr><td>{@code scale}</td><td>y ← a·x ({@code ScalarMultiplication})</td><td>1 + 1</td></tr>
 *   <tr><td>{@code norm2}</td><td>‖x‖ ({@code norm2Number}, as msam-core's MSAM and msam-dl4j's SAM use it)</td>
 *       <td>1 + 0</td></tr>
 *   <tr><td>{@code blasDot}</td><td>x·x with BLAS {@code sdot} ({@code Nd4j.getBlasWrapper().dot}): ‖x‖² another
 *       way</td><td>1 + 0</td></tr>
 *   <tr><td>{@code nesterovs}</td><td>{@code y.assign(x)}, then ND4J's fused {@code NesterovsUpdater} op on y and
 *       the buffer: ND4J's Nesterovs step without the subtraction (the copy keeps the values from decaying into
 *       subnormals)</td><td>3 + 3</td></tr>
 *   <tr><td>{@code javaMsamPass}</td><td>a Java loop over the off-heap buffers doing what a fused MSAM-SGD updater
 *       pass would: v' = μ·v + g, u = η·v' − c·v, Σ v'² (four double partial sums; g is read from x and u written to
 *       y, which has the traffic of the in-place pass and keeps the values from decaying)</td><td>2 + 2</td></tr>
 *   <tr><td>{@code scalarRead}</td><td>{@code getDouble(0)} of a 1-element array (how the updaters of models saved
 *       with state layout 0 read their per-block scalars: step counter, MSAM's c and flag)</td><td>—</td></tr>
 * </table>
 * Run:
 * <pre>
 * java -jar msam-bench/target/benchmarks.jar Nd4jOpBenchmark -p size=2700000,36500000 -f 1 -wi 2 -i 3 -rf json -rff ops.json
 * </pre>
 */
@State(Scope.Benchmark)
public class Nd4jOpBenchmark extends AbstractBenchmark {
    /** Number of elements. */
    @Param({"300000", "2700000", "36500000"})
    public int size;

    /** The operation, see the class description. */
    @Param({"copy", "subi", "axpy", "scale", "norm2", "blasDot", "nesterovs", "javaMsamPass", "scalarRead"})
    public String op;

    private INDArray x;
    private INDArray y;
    private INDArray v;
    private INDArray scalar;

    /** Allocates the vectors. */
    @Setup(Level.Trial)
    public void setup() {
        Nd4j.getRandom().setSeed(42);
        x = Nd4j.randn(DataType.FLOAT, size).muli(0.01);
        y = Nd4j.randn(DataType.FLOAT, size).muli(0.05);
        v = Nd4j.zeros(DataType.FLOAT, size);
        scalar = Nd4j.zeros(DataType.FLOAT, 1);
    }

    /** Frees the vectors. */
    @TearDown(Level.Trial)
    public void tearDown() {
        for (INDArray a : new INDArray[] {x, y, v, scalar}) {
            a.close();
        }
    }

    /** @return a value that depends on the operation's result */
    @Benchmark
    public double run() {
        switch (op) {
            case "copy":
                y.assign(x);
                return 0;
            case "subi":
                y.subi(x);
                return 0;
            case "axpy":
                Nd4j.exec(new Axpy(x, y, y, 1e-3));
                return 0;
            case "scale":
                Nd4j.exec(new ScalarMultiplication(x, null, y, 0.5));
                return 0;
            case "norm2":
                return x.norm2Number().doubleValue();
            case "blasDot":
                return Nd4j.getBlasWrapper().dot(x, x);
            case "javaMsamPass":
                return javaMsamPass(v.data().asNioFloat(), x.data().asNioFloat(), y.data().asNioFloat(), size,
                        Optimizers.MOMENTUM, Optimizers.SGD_LR, 1e-3);
            case "nesterovs":
                y.assign(x);
                Nd4j.exec(new NesterovsUpdater(y, v, Optimizers.SGD_LR, Optimizers.MOMENTUM));
                return 0;
            case "scalarRead":
                return scalar.getDouble(0);
            default:
                throw new IllegalArgumentException("Unknown op \"" + op + "\"");
        }
    }

    /**
     * One pass of a fused MSAM-SGD update over a block: v' = μ·v + g, u = η·v' − c·v (the update DL4J then
     * subtracts, which also removes the previous perturbation c·v), and ‖v'‖².
     *
     * @param v        the momentum buffer, updated
     * @param g        the gradient
     * @param u        receives the update (may be {@code g})
     * @param n        the number of elements
     * @param momentum μ
     * @param lr       η
     * @param c        the scale of the previous perturbation
     * @return ‖v'‖²
     */
    static double javaMsamPass(FloatBuffer v, FloatBuffer g, FloatBuffer u, int n, double momentum, double lr,
                               double c) {
        float mu = (float) momentum;
        float eta = (float) lr;
        float cc = (float) c;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            float v0 = v.get(i);
            float v1 = v.get(i + 1);
            float v2 = v.get(i + 2);
            float v3 = v.get(i + 3);
            float n0 = mu * v0 + g.get(i);
            float n1 = mu * v1 + g.get(i + 1);
            float n2 = mu * v2 + g.get(i + 2);
            float n3 = mu * v3 + g.get(i + 3);
            v.put(i, n0);
            v.put(i + 1, n1);
            v.put(i + 2, n2);
            v.put(i + 3, n3);
            u.put(i, eta * n0 - cc * v0);
            u.put(i + 1, eta * n1 - cc * v1);
            u.put(i + 2, eta * n2 - cc * v2);
            u.put(i + 3, eta * n3 - cc * v3);
            s0 += (double) n0 * n0;
            s1 += (double) n1 * n1;
            s2 += (double) n2 * n2;
            s3 += (double) n3 * n3;
        }
        for (; i < n; i++) {
            float v0 = v.get(i);
            float n0 = mu * v0 + g.get(i);
            v.put(i, n0);
            u.put(i, eta * n0 - cc * v0);
            s0 += (double) n0 * n0;
        }
        return s0 + s1 + s2 + s3;
    }
}
