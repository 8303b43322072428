package org.msam.examples.models;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation of float32 {@code [N, C, H, W]} activations, forward and backward, one channel at a time in
 * Java, the channels shared among ND4J's threads.
 *
 * <p>Per channel c, over its m = N·H·W values x_i (accumulated in double, then rounded to float32):
 * <pre>
 *   training pass:  μ = Σ_i x_i / m,   σ² = Σ_i (x_i − μ)² / m          (biased; from the centred input)
 *   both passes:    s = γ / √(σ² + ε),   y_i = (x_i − μ)·s + β         (at inference μ, σ² are the running estimates)
 *   backward:       Σ_β = Σ_i dy_i,   Σ_γ = Σ_i dy_i (x_i − μ) / √(σ² + ε)
 *                   ∂L/∂β = Σ_β,   ∂L/∂γ = Σ_γ,
 *                   dx_i = s · (dy_i − Σ_β/m − x̂_i Σ_γ/m),   x̂_i = (x_i − μ)/√(σ² + ε)
 * </pre>
 * the textbook batch-normalisation gradient with the batch statistics of the forward pass (PyTorch's
 * {@code BatchNorm2d} and DL4J's {@code BatchNormalization} compute the same quantities; docs/ALGORITHMS.md, "Batch
 * normalisation and ReLU in the example models").
 *
 * <p>Why in Java: libnd4j's {@code batchnorm} op takes the batch statistics as inputs, so a training pass costs a
 * mean, a centring and a sum of squares as separate ND4J calls, each a pass over the activations, before the op's
 * own pass; and {@code batchnorm_bp} took about five times PyTorch's backward pass at the example models' sizes. Here
 * each channel's values are copied once into a thread-local array (a channel of the example models is at most
 * 16,384 values, 64 KB), the statistics, the normalisation and the gradient are computed there in two or three passes
 * that stay in the core's cache, and the result is copied back. Channels are independent, so the result does not
 * depend on the number of threads.
 *
 * <p>{@link #supports} says which arrays the kernel takes: float32, rank 4, channels first, default strides, fewer
 * than 2³¹ values. The callers fall back to libnd4j's ops for anything else.
 */
final class BatchNormKernel {
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);
    /**
     * Runs the other threads' shares of the channels: a thread per concurrent share, reused while busy and released
     * after a minute idle, so several callers at once (ParallelWrapper's workers) each get their threads.
     */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "msam-batchnorm");
        t.setDaemon(true);
        return t;
    });

    private BatchNormKernel() {
    }

    /** One channel's work; {@code c} is the channel. */
    private interface ChannelTask {
        void run(int c, float[] a, float[] b, float[] out);
    }

    /**
     * @param arrays the arrays one call reads and writes, each of the activations' shape
     * @return whether the kernel takes them (float32 {@code [N, C, H, W]} with default strides, under 2³¹ values)
     */
    static boolean supports(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.rank() != 4 || a.ordering() != 'c' || a.length() >= Integer.MAX_VALUE
                    || !Shape.hasDefaultStridesForShape(a)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Training forward pass: the batch statistics of each channel, then the normalised output.
     *
     * @param x     the input, {@code [N, C, H, W]}
     * @param gamma γ, C values (any shape of that length), or null for γ = 1
     * @param beta  β, C values, or null for β = 0
     * @param eps   ε
     * @param mean  receives μ (C values, contiguous)
     * @param var   receives the biased σ² (C values, contiguous)
     * @param out   receives y, the shape of x
     */
    static void trainingForward(INDArray x, INDArray gamma, INDArray beta, double eps, INDArray mean, INDArray var,
                                INDArray out) {
        forward(x, gamma, beta, eps, null, null, out, mean, var);
    }

    /**
     * Inference forward pass with given statistics.
     *
     * @param x     the input, {@code [N, C, H, W]}
     * @param mean  μ, C values
     * @param var   σ², C values
     * @param gamma γ, or null for 1
     * @param beta  β, or null for 0
     * @param eps   ε
     * @param out   receives y, the shape of x
     */
    static void inferenceForward(INDArray x, INDArray mean, INDArray var, INDArray gamma, INDArray beta, double eps,
                                 INDArray out) {
        int channels = (int) x.size(1);
        forward(x, gamma, beta, eps, values(mean, channels, 0f), values(var, channels, 0f), out, null, null);
    }

    /**
     * The forward pass, with the statistics given (inference) or computed from the batch (given ones null: training,
     * and the batch statistics go to {@code meanOut} and {@code varOut}).
     */
    private static void forward(INDArray x, INDArray gamma, INDArray beta, double eps, float[] givenMean,
                                float[] givenVar, INDArray out, INDArray meanOut, INDArray varOut) {
        Layout l = new Layout(x);
        int channels = l.channels;
        int m = l.m;
        boolean training = givenMean == null;
        float[] g = values(gamma, channels, 1f);
        float[] b = values(beta, channels, 0f);
        float[] mu = training ? new float[channels] : givenMean;
        float[] sigma2 = training ? new float[channels] : givenVar;
        FloatBuffer in = x.data().asNioFloat();
        FloatBuffer o = out.data().asNioFloat();
        forEachChannel(channels, m, (c, xs, unused, ys) -> {
            read(in, xs, l, c);
            if (training) {
                double mc = sum(xs, m) / m;
                mu[c] = (float) mc;
                sigma2[c] = (float) (centredProducts(xs, mc, xs, mc, m) / m);
            }
            normalise(xs, ys, m, mu[c], sigma2[c], g[c], b[c], eps);
            write(o, ys, l, c);
        });
        if (training) {
            put(meanOut, mu);
            put(varOut, sigma2);
        }
    }

    /**
     * Backward pass of a training forward pass.
     *
     * @param x      the forward pass's input, {@code [N, C, H, W]}
     * @param dy     ∂L/∂y, the shape of x
     * @param mean   the forward pass's μ
     * @param var    the forward pass's σ²
     * @param gamma  γ, or null for 1
     * @param eps    ε
     * @param dx     receives ∂L/∂x, the shape of x
     * @param dGamma receives ∂L/∂γ (C values), or null
     * @param dBeta  receives ∂L/∂β (C values), or null
     */
    static void backward(INDArray x, INDArray dy, INDArray mean, INDArray var, INDArray gamma, double eps,
                         INDArray dx, INDArray dGamma, INDArray dBeta) {
        Layout l = new Layout(x);
        int channels = l.channels;
        int m = l.m;
        float[] g = values(gamma, channels, 1f);
        float[] mu = values(mean, channels, 0f);
        float[] sigma2 = values(var, channels, 0f);
        float[] sumDy = new float[channels];
        float[] sumDyXhat = new float[channels];
        FloatBuffer in = x.data().asNioFloat();
        FloatBuffer grad = dy.data().asNioFloat();
        FloatBuffer o = dx.data().asNioFloat();
        forEachChannel(channels, m, (c, xs, dys, dxs) -> {
            read(in, xs, l, c);
            read(grad, dys, l, c);
            float muC = mu[c];
            double invStd = 1 / Math.sqrt(sigma2[c] + eps);
            double sBeta = sum(dys, m);
            double sGamma = centredProducts(dys, 0, xs, muC, m) * invStd;
            sumDy[c] = (float) sBeta;
            sumDyXhat[c] = (float) sGamma;
            // dx = s·dy − s·Σβ/m − (x − μ)·s·invStd·Σγ/m
            float s = (float) (g[c] * invStd);
            float shift = (float) (g[c] * invStd * sBeta / m);
            float slope = (float) (g[c] * invStd * invStd * sGamma / m);
            inputGradient(xs, dys, dxs, m, muC, s, shift, slope);
            write(o, dxs, l, c);
        });
        if (dGamma != null) {
            put(dGamma, sumDyXhat);
        }
        if (dBeta != null) {
            put(dBeta, sumDy);
        }
    }

    private static void inputGradient(float[] xs, float[] dys, float[] dxs, int m, float mu, float s, float shift,
                                      float slope) {
        for (int j = 0; j < m; j++) {
            dxs[j] = s * dys[j] - shift - (xs[j] - mu) * slope;
        }
    }

    private static void normalise(float[] xs, float[] ys, int m, float mu, float sigma2, float gamma, float beta,
                                  double eps) {
        float s = (float) (gamma / Math.sqrt(sigma2 + eps));
        for (int i = 0; i < m; i++) {
            ys[i] = (xs[i] - mu) * s + beta;
        }
    }

    /** Σ_i (a_i − p)(b_i − q), in double, four partial sums (one would wait on each addition's latency). */
    private static double centredProducts(float[] a, double p, float[] b, double q, int m) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < m; i += 4) {
            s0 += (a[i] - p) * (b[i] - q);
            s1 += (a[i + 1] - p) * (b[i + 1] - q);
            s2 += (a[i + 2] - p) * (b[i + 2] - q);
            s3 += (a[i + 3] - p) * (b[i + 3] - q);
        }
        for (; i < m; i++) {
            s0 += (a[i] - p) * (b[i] - q);
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double sum(float[] xs, int m) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < m; i += 4) {
            s0 += xs[i];
            s1 += xs[i + 1];
            s2 += xs[i + 2];
            s3 += xs[i + 3];
        }
        for (; i < m; i++) {
            s0 += xs[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The sizes of an {@code [N, C, H, W]} array: N, C, H·W and m = N·H·W, the values per channel. */
    private static final class Layout {
        final int n;
        final int channels;
        final int hw;
        final int m;

        Layout(INDArray x) {
            n = (int) x.size(0);
            channels = (int) x.size(1);
            hw = (int) (x.size(2) * x.size(3));
            m = n * hw;
        }

        /** @return the index of sample s, channel c in the buffer, relative to the array's first value */
        int start(int s, int c) {
            return (s * channels + c) * hw;
        }
    }

    /** Copies channel c of an {@code [N, C, H, W]} buffer into {@code dst}, sample after sample. */
    private static void read(FloatBuffer src, float[] dst, Layout l, int c) {
        FloatBuffer d = src.duplicate();
        int base = src.position();
        for (int s = 0; s < l.n; s++) {
            d.position(base + l.start(s, c));
            d.get(dst, s * l.hw, l.hw);
        }
    }

    /** Copies {@code src} into channel c of an {@code [N, C, H, W]} buffer, sample after sample. */
    private static void write(FloatBuffer dst, float[] src, Layout l, int c) {
        FloatBuffer d = dst.duplicate();
        int base = dst.position();
        for (int s = 0; s < l.n; s++) {
            d.position(base + l.start(s, c));
            d.put(src, s * l.hw, l.hw);
        }
    }

    private static float[] values(INDArray a, int length, float absent) {
        float[] v = new float[length];
        if (a == null) {
            Arrays.fill(v, absent);
            return v;
        }
        if (a.length() != length) {
            throw new IllegalArgumentException("Expected " + length + " per-channel values, got shape "
                    + Arrays.toString(a.shape()));
        }
        INDArray flat = a.reshape(length);
        for (int c = 0; c < length; c++) {
            v[c] = flat.getFloat(c);
        }
        return v;
    }

    private static void put(INDArray target, float[] v) {
        INDArray flat = target.reshape(v.length);
        for (int c = 0; c < v.length; c++) {
            flat.putScalar(c, v[c]);
        }
    }

    /** Runs the task for every channel, the channels split among ND4J's threads (the caller takes the first share). */
    private static void forEachChannel(int channels, int m, ChannelTask task) {
        int threads = Math.max(1, Math.min(channels, Nd4j.getEnvironment().maxThreads()));
        if (threads == 1) {
            runChannels(0, channels, m, task);
            return;
        }
        List<Future<?>> others = new ArrayList<>(threads - 1);
        for (int t = 1; t < threads; t++) {
            int from = (int) ((long) channels * t / threads);
            int to = (int) ((long) channels * (t + 1) / threads);
            others.add(POOL.submit(() -> runChannels(from, to, m, task)));
        }
        runChannels(0, channels / threads, m, task);
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted during batch normalisation", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("Batch normalisation failed", e.getCause());
            }
        }
    }

    private static void runChannels(int from, int to, int m, ChannelTask task) {
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < m) {
            for (int k = 0; k < 3; k++) {
                scratch[k] = new float[m];
            }
        }
        for (int c = from; c < to; c++) {
            task.run(c, scratch[0], scratch[1], scratch[2]);
        }
    }
}
