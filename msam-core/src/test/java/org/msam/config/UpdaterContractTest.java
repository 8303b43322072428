package org.msam.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.reference.Data;
import org.msam.reference.RefOptimizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** Every base-optimizer case of {@link UpdaterCases} against its double-precision reference and the DL4J contract. */
class UpdaterContractTest {
    static final int N = 37;
    static final int STEPS = 60;

    static Stream<UpdaterCases.Case> cases() {
        return UpdaterCases.all().stream();
    }

    static Stream<Arguments> casesAndTypes() {
        return cases().flatMap(c -> Stream.of(Arguments.of(c, DataType.DOUBLE), Arguments.of(c, DataType.FLOAT)));
    }

    static double[] grad(int t) {
        return Data.normal(1000 + t, N, 1.0);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndTypes")
    void matchesReferenceOnParametersAndState(UpdaterCases.Case c, DataType type) {
        double[] theta = Data.normal(7, N, 0.5);
        UpdaterHarness h = new UpdaterHarness(c.config.get(), theta, c.l2, type);
        RefOptimizer ref = c.reference.apply(N);
        double tol = type == DataType.DOUBLE ? c.tolDouble : c.tolFloat;
        for (int t = 0; t < STEPS; t++) {
            double[] g = grad(t);
            if (type == DataType.FLOAT) {
                for (int i = 0; i < N; i++) {
                    g[i] = (float) g[i]; // both sides see the same float32 gradient
                }
            }
            h.step(g, t, 0);
            ref.step(theta, g, t);
            double pe = Data.maxRelErr(h.params(), theta);
            assertTrue(pe <= tol, c + " step " + t + ": parameter error " + pe + " > " + tol);
            double se = c.stateError(h, ref, N);
            assertTrue(se <= tol, c + " step " + t + ": state error " + se + " > " + tol);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jsonRoundTrip(UpdaterCases.Case c) throws Exception {
        IUpdater u = c.config.get();
        ObjectMapper om = new ObjectMapper();
        String json = om.writerFor(IUpdater.class).writeValueAsString(u);
        IUpdater back = om.readValue(json, IUpdater.class);
        assertEquals(u, back, json);
        assertEquals(u.hashCode(), back.hashCode());
        assertEquals(u.getLearningRate(17, 2), back.getLearningRate(17, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cloneIsEqualAndIndependent(UpdaterCases.Case c) {
        IUpdater u = c.config.get();
        IUpdater copy = u.clone();
        assertNotSame(u, copy);
        assertEquals(u, copy);
        assertEquals(u.hashCode(), copy.hashCode());
        copy.setLrAndSchedule(123.0, null);
        assertTrue(!u.equals(copy), "changing the clone's learning rate must not change the original");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stateCopiedIntoFreshInstanceContinuesIdentically(UpdaterCases.Case c) {
        UpdaterHarness a = new UpdaterHarness(c.config.get(), Data.normal(7, N, 0.5), c.l2, DataType.DOUBLE);
        for (int t = 0; t < 20; t++) {
            a.step(grad(t), t, 0);
        }
        UpdaterHarness b = new UpdaterHarness(a);
        for (int t = 20; t < 40; t++) {
            a.step(grad(t), t, 0);
            b.step(grad(t), t, 0);
        }
        assertArrayEquals(a.params(), b.params());
        if (a.state != null) {
            assertArrayEquals(a.state.toDoubleVector(), b.state.toDoubleVector());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void zeroGradientGivesNoGradientStep(UpdaterCases.Case c) {
        double[] theta = Data.normal(7, N, 0.5);
        UpdaterHarness h = new UpdaterHarness(c.config.get(), theta, c.l2, DataType.DOUBLE);
        RefOptimizer ref = c.reference.apply(N);
        for (int t = 0; t < 5; t++) {
            double[] zero = new double[N];
            double[] u = h.step(zero, t, 0).toDoubleVector();
            ref.step(theta, zero, t);
            for (double x : u) {
                assertTrue(Double.isFinite(x), c + ": update not finite for a zero gradient");
            }
            // With a zero gradient only weight decay may move the parameters, exactly as the reference does.
            assertTrue(Data.maxRelErr(h.params(), theta) <= 1e-13, c + " step " + t);
        }
    }
}
