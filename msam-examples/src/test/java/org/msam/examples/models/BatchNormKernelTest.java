package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link BatchNormKernel} against the definitions of batch normalisation and its gradient, computed here in double
 * precision from the float32 inputs.
 */
class BatchNormKernelTest {
    private static final double EPS = 1e-5;

    /** Per-channel mean, biased variance, output and input gradient of a training pass, in double. */
    private static final class Reference {
        final double[] mean;
        final double[] var;
        final double[] y;
        final double[] dx;
        final double[] dGamma;
        final double[] dBeta;

        Reference(INDArray xa, INDArray dya, double[] gamma, double[] beta) {
            int n = (int) xa.size(0);
            int channels = (int) xa.size(1);
            int hw = (int) (xa.size(2) * xa.size(3));
            double[] x = xa.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            double[] dy = dya.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            int m = n * hw;
            mean = new double[channels];
            var = new double[channels];
            y = new double[x.length];
            dx = new double[x.length];
            dGamma = new double[channels];
            dBeta = new double[channels];
            for (int c = 0; c < channels; c++) {
                for (int s = 0; s < n; s++) {
                    for (int i = 0; i < hw; i++) {
                        mean[c] += x[(s * channels + c) * hw + i] / m;
                    }
                }
                for (int s = 0; s < n; s++) {
                    for (int i = 0; i < hw; i++) {
                        double d = x[(s * channels + c) * hw + i] - mean[c];
                        var[c] += d * d / m;
                    }
                }
                double std = Math.sqrt(var[c] + EPS);
                for (int s = 0; s < n; s++) {
                    for (int i = 0; i < hw; i++) {
                        int k = (s * channels + c) * hw + i;
                        double xhat = (x[k] - mean[c]) / std;
                        y[k] = gamma[c] * xhat + beta[c];
                        dBeta[c] += dy[k];
                        dGamma[c] += dy[k] * xhat;
                    }
                }
                double meanDy = dBeta[c] / m;
                double meanDyXhat = dGamma[c] / m;
                for (int s = 0; s < n; s++) {
                    for (int i = 0; i < hw; i++) {
                        int k = (s * channels + c) * hw + i;
                        double xhat = (x[k] - mean[c]) / std;
                        dx[k] = gamma[c] / std * (dy[k] - meanDy - xhat * meanDyXhat);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}x{1}x{2}x{3}, offset {4}")
    @CsvSource({"3, 5, 4, 6, 0", "16, 16, 8, 8, 20", "1, 2, 1, 1, 3", "2, 7, 5, 3, -4"})
    void trainingPassAndGradientAreTheDefinitions(int n, int channels, int h, int w, double offset) {
        Nd4j.getRandom().setSeed(n * 31L + channels);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, channels, h, w).muli(1.5).addi(offset);
        INDArray dy = Nd4j.randn(DataType.FLOAT, n, channels, h, w);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, channels);
        Reference ref = new Reference(x, dy, gamma.castTo(DataType.DOUBLE).data().asDouble(),
                beta.castTo(DataType.DOUBLE).data().asDouble());

        INDArray mean = Nd4j.create(DataType.FLOAT, channels);
        INDArray var = Nd4j.create(DataType.FLOAT, channels);
        INDArray y = x.ulike();
        BatchNormKernel.trainingForward(x, gamma, beta, EPS, mean, var, y);
        assertClose(ref.mean, mean, 1e-6);
        assertClose(ref.var, var, 1e-6);
        assertClose(ref.y, y, 1e-5);

        INDArray dx = x.ulike();
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, channels);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, channels);
        BatchNormKernel.backward(x, dy, mean, var, gamma, EPS, dx, dGamma, dBeta);
        assertClose(ref.dx, dx, 1e-5);
        assertClose(ref.dGamma, dGamma, 1e-5);
        assertClose(ref.dBeta, dBeta, 1e-5);
    }

    @Test
    void inferenceUsesTheGivenStatistics() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 5, 5);
        INDArray mean = Nd4j.createFromArray(0.5f, -1f, 2f);
        INDArray var = Nd4j.createFromArray(1f, 4f, 0.25f);
        INDArray gamma = Nd4j.createFromArray(2f, 0.5f, 1f);
        INDArray beta = Nd4j.createFromArray(0f, 1f, -3f);
        INDArray y = x.ulike();
        BatchNormKernel.inferenceForward(x, mean, var, gamma, beta, EPS, y);
        for (int s = 0; s < 4; s++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 5; i++) {
                    double expected = gamma.getDouble(c) * (x.getDouble(s, c, i, 2) - mean.getDouble(c))
                            / Math.sqrt(var.getDouble(c) + EPS) + beta.getDouble(c);
                    assertEquals(expected, y.getDouble(s, c, i, 2), 1e-5 * (1 + Math.abs(expected)));
                }
            }
        }
    }

    /** Channels are computed independently, so the thread count cannot change a bit of the result. */
    @Test
    void theResultDoesNotDependOnTheThreadCount() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 13, 6, 6).addi(3);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 8, 13, 6, 6);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 13);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 13);
        int threads = Nd4j.getEnvironment().maxThreads();
        INDArray[][] results = new INDArray[2][];
        try {
            int[] counts = {1, 3};
            for (int k = 0; k < 2; k++) {
                Nd4j.getEnvironment().setMaxThreads(counts[k]);
                INDArray mean = Nd4j.create(DataType.FLOAT, 13);
                INDArray var = Nd4j.create(DataType.FLOAT, 13);
                INDArray y = x.ulike();
                INDArray dx = x.ulike();
                INDArray dGamma = Nd4j.create(DataType.FLOAT, 13);
                INDArray dBeta = Nd4j.create(DataType.FLOAT, 13);
                BatchNormKernel.trainingForward(x, gamma, beta, EPS, mean, var, y);
                BatchNormKernel.backward(x, dy, mean, var, gamma, EPS, dx, dGamma, dBeta);
                results[k] = new INDArray[] {mean, var, y, dx, dGamma, dBeta};
            }
        } finally {
            Nd4j.getEnvironment().setMaxThreads(threads);
        }
        for (int i = 0; i < results[0].length; i++) {
            assertEquals(results[0][i], results[1][i]);
        }
    }

    /** A view with an offset into a larger buffer (a sub-batch) reads and writes its own part of the buffer only. */
    @Test
    void viewsWithAnOffsetAreReadAndWrittenInPlace() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 4, 3, 3).get(NDArrayIndex.interval(2, 5));
        INDArray outBuffer = Nd4j.zeros(DataType.FLOAT, 6, 4, 3, 3);
        INDArray out = outBuffer.get(NDArrayIndex.interval(1, 4));
        assertTrue(x.offset() > 0 && out.offset() > 0);
        assertTrue(BatchNormKernel.supports(x, out));
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 4);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 4);
        INDArray mean = Nd4j.create(DataType.FLOAT, 4);
        INDArray var = Nd4j.create(DataType.FLOAT, 4);
        BatchNormKernel.trainingForward(x, gamma, beta, EPS, mean, var, out);
        INDArray expected = Nd4j.create(DataType.FLOAT, 3, 4, 3, 3);
        BatchNormKernel.trainingForward(x.dup(), gamma, beta, EPS, mean.ulike(), var.ulike(), expected);
        assertEquals(expected, out);
        assertEquals(0.0, outBuffer.get(NDArrayIndex.point(0)).amaxNumber().doubleValue());
        assertEquals(0.0, outBuffer.get(NDArrayIndex.interval(4, 6)).amaxNumber().doubleValue());
    }

    @Test
    void otherLayoutsAndTypesAreLeftToLibnd4j() {
        assertFalse(BatchNormKernel.supports(Nd4j.create(DataType.DOUBLE, 2, 3, 4, 4)));
        assertFalse(BatchNormKernel.supports(Nd4j.create(DataType.FLOAT, 2, 3)));
        assertFalse(BatchNormKernel.supports(Nd4j.create(DataType.FLOAT, new long[] {2, 3, 4, 4}, 'f')));
        assertFalse(BatchNormKernel.supports(Nd4j.create(DataType.FLOAT, 2, 3, 4, 4).permute(0, 1, 3, 2)));
        assertTrue(BatchNormKernel.supports(Nd4j.create(DataType.FLOAT, 2, 3, 4, 4)));
    }

    private static void assertClose(double[] expected, INDArray actual, double tolerance) {
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        assertEquals(expected.length, a.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], tolerance * Math.max(1, scale), "element " + i);
        }
    }
}
