package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToDoubleFunction;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msam.reference.RefAdamW;
import org.msam.reference.RefMsam;
import org.msam.reference.RefSgd;

/**
 * The step benchmark measures correct steps: each variant, run through the benchmark's own code path, gives
 * the parameters of the plain double-precision reference of docs/ALGORITHMS.md (msam-core's test references), and no
 * operation allocates a parameter-sized array.
 */
class OptimizerStepBenchmarkTest {
    private static final int N = 1000;
    private static final int STEPS = 6;
    private static final IntToDoubleFunction SGD_LR = i -> Optimizers.SGD_LR;
    private static final IntToDoubleFunction ADAM_LR = i -> Optimizers.ADAMW_LR;

    private static OptimizerStepBenchmark bench(String optimizer, int size) {
        OptimizerStepBenchmark b = new OptimizerStepBenchmark();
        b.size = size;
        b.optimizer = optimizer;
        b.setup();
        return b;
    }


    private static RefSgd sgd(boolean nesterov) {
        return new RefSgd(SGD_LR, Optimizers.MOMENTUM, 0, nesterov, 0, N);
    }

    private static RefAdamW adamW(double decay) {
        return new RefAdamW(ADAM_LR, 0.9, 0.999, 1e-8, decay, null, N);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nd4jNesterovs", "nd4jAdam", "sgd", "nag", "adamw", "msam",
        "msam-adamw"})
    void stepsEqualTheReference(String optimizer) {
        OptimizerStepBenchmark b = bench(optimizer, N);
        double[] theta = b.params.toDoubleVector();
        double[] g = b.source.toDoubleVector();
        RefMsam msam = null;
        switch (optimizer) {
            case "msam":
                msam = new RefMsam(sgd(false), i -> Optimizers.MSAM_RHO, 0, theta);
                break;
            case "msam-adamw":
                msam = new RefMsam(adamW(Optimizers.ADAMW_DECAY), i -> Optimizers.MSAM_RHO, 0, theta);
                break;
            default:
                break;
        }
        org.msam.reference.RefOptimizer ref;
        switch (optimizer) {
            case "nd4jNesterovs":
            case "nag":
                ref = sgd(true);
                break;
            case "sgd":
                ref = sgd(false);
                break;
            case "nd4jAdam":
                ref = new Nd4jAdam(N);
                break;
            default:
                ref = adamW(Optimizers.ADAMW_DECAY);
                break;
        }
        for (int t = 0; t < STEPS; t++) {
            b.step();
            if (msam != null) {
                msam.step(g, t);
            } else {
                ref.step(theta, g, t);
            }
        }
        double[] expected = msam != null ? msam.held() : theta;
        double[] actual = b.params.toDoubleVector();
        for (int i = 0; i < N; i++) {
            assertEquals(expected[i], actual[i], 2e-6 + 2e-5 * Math.abs(expected[i]), optimizer + " at " + i);
        }
        if (msam != null) {
            assertEquals(msam.c(), b.perturbation().scale(), 1e-5 * msam.c(), "c");
            assertTrue(b.perturbation().isPerturbed());
        }
        b.tearDown();
    }

    @Test
    void samPerturbationMovesByRhoAndRestoresExactly() {
        OptimizerStepBenchmark b = bench("samPerturbation", N);
        double[] before = b.params.toDoubleVector();
        b.samPerturb();
        double[] moved = b.params.toDoubleVector();
        double sq = 0;
        for (int i = 0; i < N; i++) {
            sq += (moved[i] - before[i]) * (moved[i] - before[i]);
        }
        assertEquals(Optimizers.SAM_RHO, Math.sqrt(sq), 1e-4);
        b.samRestore();
        assertArrayEquals(before, b.params.toDoubleVector(), 0.0);
        b.step();
        assertArrayEquals(before, b.params.toDoubleVector(), 0.0);
        b.tearDown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nd4jNesterovs", "nd4jAdam", "sgd", "nag", "adamw", "msam",
        "msam-adamw", "samPerturbation"})
    void stepAllocatesNoParameterSizedArray(String optimizer) {
        int size = 1_000_000;
        OptimizerStepBenchmark b = bench(optimizer, size);
        for (int i = 0; i < 3; i++) {
            b.step();
        }
        long before = Pointer.totalBytes();
        for (int i = 0; i < 10; i++) {
            b.step();
        }
        long grown = Pointer.totalBytes() - before;
        b.tearDown();
        // Ten steps that allocated one float array of the parameters' size each would grow by 40 MB (off-heap
        // memory is released only after a garbage collection).
        assertTrue(grown < 4L * size, optimizer + " allocated " + grown + " bytes in 10 steps");
    }

    /**
     * ND4J's Adam, which is not PyTorch's: ε is added to √s before the bias correction,
     * θ ← θ − η·√(1−β2^t)/(1−β1^t) · m/(√s + ε).
     */
    private static final class Nd4jAdam implements org.msam.reference.RefOptimizer {
        private final double[] m;
        private final double[] s;
        private int t;

        Nd4jAdam(int n) {
            m = new double[n];
            s = new double[n];
        }

        @Override
        public void step(double[] theta, double[] g, int iteration) {
            t++;
            double alpha = Optimizers.ADAMW_LR * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            for (int i = 0; i < theta.length; i++) {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                s[i] = 0.999 * s[i] + 0.001 * g[i] * g[i];
                theta[i] -= alpha * m[i] / (Math.sqrt(s[i]) + 1e-8);
            }
        }

        @Override
        public double[] momentum() {
            return m;
        }
    }
}
