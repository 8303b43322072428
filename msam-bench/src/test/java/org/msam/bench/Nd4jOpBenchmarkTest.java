package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;

import org.junit.jupiter.api.Test;

/** The fused-pass prototype computes the MSAM-SGD update it stands for. */
class Nd4jOpBenchmarkTest {
    @Test
    void javaMsamPassIsTheFusedUpdate() {
        int n = 1003;
        FloatBuffer v = FloatBuffer.allocate(n);
        FloatBuffer g = FloatBuffer.allocate(n);
        FloatBuffer u = FloatBuffer.allocate(n);
        double[] vOld = new double[n];
        for (int i = 0; i < n; i++) {
            v.put(i, (float) Math.sin(i));
            g.put(i, (float) Math.cos(3 * i) * 0.1f);
            vOld[i] = v.get(i);
        }
        double mu = 0.9;
        double lr = 0.1;
        double c = 0.05;
        double ss = Nd4jOpBenchmark.javaMsamPass(v, g, u, n, mu, lr, c);
        double expectedSs = 0;
        for (int i = 0; i < n; i++) {
            double vn = mu * vOld[i] + g.get(i);
            expectedSs += vn * vn;
            assertEquals(vn, v.get(i), 1e-6, "v at " + i);
            assertEquals(lr * vn - c * vOld[i], u.get(i), 1e-6, "update at " + i);
        }
        assertEquals(expectedSs, ss, 1e-6 * expectedSs, "float arithmetic, double sums");
    }
}
