package org.msam.examples.models;

import java.nio.FloatBuffer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * The rectifier, y = max(0, z), and its gradient ∂L/∂z = ∂L/∂y where z &gt; 0 and 0 elsewhere (0 at z = 0, as
 * PyTorch's {@code relu} and ND4J's {@link ActivationReLU}; a NaN input stays NaN forward and gets gradient 0, as in
 * ND4J). The forward pass is {@link ActivationReLU}'s; the gradient is computed in Java, in place, in chunks that
 * stay in the core's cache.
 *
 * <p>The same function and gradient as {@link ActivationReLU} without threshold, slope or maximum, bit for bit (the
 * tests check it). The example models' ReLU layers use it because {@link ActivationReLU} computes the gradient with
 * ND4J's {@code relu_bp} op into a new array, which DL4J's {@code ActivationLayer} then copies into its output
 * workspace: three passes over the activations and an allocation where this takes one pass, about 20 times faster
 * at the example models' sizes. Other data types and arrays that are not dense in C order are left to
 * {@link ActivationReLU}.
 */
public class ReluActivation extends BaseActivationFunction {
    private static final ActivationReLU FALLBACK = new ActivationReLU();
    /** Values per pass through the scratch arrays (64 KB each, within a core's cache). */
    private static final int CHUNK = 16_384;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][CHUNK]);

    /** The rectifier (also for JSON). */
    public ReluActivation() {
    }

    /**
     * @param in       z; overwritten with y (ND4J's own pass: it is as fast as it gets)
     * @param training unused
     * @return {@code in}, holding y
     */
    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return FALLBACK.getActivation(in, training); // ND4J's one native pass, in place
    }

    /**
     * @param in      z; overwritten with ∂L/∂z
     * @param epsilon ∂L/∂y, z's shape
     * @return ∂L/∂z (in {@code in}) and no parameter gradient
     */
    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        if (!dense(in) || !dense(epsilon)) {
            return FALLBACK.backprop(in, epsilon);
        }
        FloatBuffer z = in.data().asNioFloat();
        FloatBuffer e = epsilon.data().asNioFloat();
        int zStart = z.position();
        int eStart = e.position();
        int length = (int) in.length();
        float[][] scratch = SCRATCH.get();
        float[] zs = scratch[0];
        float[] es = scratch[1];
        for (int from = 0; from < length; from += CHUNK) {
            int n = Math.min(CHUNK, length - from);
            z.position(zStart + from);
            z.get(zs, 0, n);
            e.position(eStart + from);
            e.get(es, 0, n);
            passWherePositive(zs, es, n);
            z.position(zStart + from);
            z.put(zs, 0, n);
        }
        return new Pair<>(in, null);
    }

    /**
     * zs[i] = es[i] where zs[i] &gt; 0, else 0, without a branch (the signs of the activations are as good as random,
     * and a branch mispredicted on half of them costs more than the rest of the pass): z &gt; 0 exactly when its bits,
     * read as an int, lie in [1, 0x7F800000] (positive, not zero, not NaN), and the gradient's bits are masked
     * accordingly.
     */
    private static void passWherePositive(float[] zs, float[] es, int n) {
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(zs[i]);
            int notPositive = ((bits - 1) >> 31) | ((0x7F800000 - bits) >> 31);
            zs[i] = Float.intBitsToFloat(Float.floatToRawIntBits(es[i]) & ~notPositive);
        }
    }

    private static boolean dense(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.length() < Integer.MAX_VALUE
                && Shape.hasDefaultStridesForShape(a);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }

    @Override
    public String toString() {
        return "relu";
    }
}
