package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link ReluActivation} against ND4J's {@link ActivationReLU}, bit for bit. */
class ReluActivationTest {
    private static INDArray input() {
        Nd4j.getRandom().setSeed(1);
        INDArray z = Nd4j.randn(DataType.FLOAT, 4, 3, 5, 5);
        z.putScalar(0, 0f);
        z.putScalar(1, -0f);
        z.putScalar(2, Float.NaN);
        z.putScalar(3, Float.NEGATIVE_INFINITY);
        z.putScalar(4, Float.POSITIVE_INFINITY);
        return z;
    }

    private static void assertSameBits(INDArray expected, INDArray actual) {
        float[] e = expected.dup('c').data().asFloat();
        float[] a = actual.dup('c').data().asFloat();
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), "element " + i);
        }
    }

    @Test
    void forwardAndBackwardAreNd4jsReluBitForBit() {
        INDArray z = input();
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, z.shape());
        INDArray in = z.dup();
        assertSame(in, new ReluActivation().getActivation(in, true));
        assertSameBits(new ActivationReLU().getActivation(z.dup(), true), in);
        in = z.dup();
        INDArray gradient = new ReluActivation().backprop(in, epsilon).getFirst();
        assertSameBits(new ActivationReLU().backprop(z.dup(), epsilon).getFirst(), gradient);
    }

    @Test
    void viewsAndOtherLayoutsGetTheSameResult() {
        INDArray z = input();
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, z.shape());
        // a sub-batch view with an offset, and an epsilon that is a view at another offset
        INDArray big = Nd4j.zeros(DataType.FLOAT, 6, 3, 5, 5);
        INDArray view = big.get(NDArrayIndex.interval(1, 5)).assign(z);
        INDArray bigEps = Nd4j.zeros(DataType.FLOAT, 7, 3, 5, 5);
        INDArray epsView = bigEps.get(NDArrayIndex.interval(3, 7)).assign(epsilon);
        INDArray expected = new ActivationReLU().backprop(z.dup(), epsilon).getFirst();
        assertSameBits(expected, new ReluActivation().backprop(view, epsView).getFirst());
        assertEquals(0.0, big.get(NDArrayIndex.point(0)).amaxNumber().doubleValue());
        // Fortran order and float64 go to ND4J's own code
        INDArray f = z.dup('f');
        assertSameBits(expected, new ReluActivation().backprop(f, epsilon.dup('f')).getFirst());
        INDArray d = z.castTo(DataType.DOUBLE);
        assertSameBits(new ActivationReLU().getActivation(d.dup(), false).castTo(DataType.FLOAT),
                new ReluActivation().getActivation(d.dup(), false).castTo(DataType.FLOAT));
    }

    @Test
    void survivesJson() {
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder()
                .layer(new ActivationLayer.Builder().activation(new ReluActivation()).build()).build();
        NeuralNetConfiguration back = NeuralNetConfiguration.fromJson(conf.toJson());
        assertEquals(new ReluActivation(), ((ActivationLayer) back.getLayer()).getActivationFn());
    }
}
