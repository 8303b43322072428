package org.msam.updater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.msam.config.AdamW;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.RmsPropUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The state layout shared by the MSAM, LookSAM and MESA updaters: where each part sits, and how it starts. */
class WrappedStateTest {
    static final int N = 7;
    static final double EPSILON = 1e-6;

    static INDArray view(IUpdater config) {
        return Nd4j.zeros(DataType.DOUBLE, config.stateSize(N));
    }

    /** @return 1, 2, …, n */
    static INDArray count(long n) {
        double[] x = new double[(int) n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return Nd4j.createFromArray(x);
    }

    @Test
    void theBaseGetsItsOwnInitialStateWhenItIsPlacedAfterTheBlockSize() {
        // ND4J's RmsProp starts its average of squared gradients at ε; wrapped, it must start there too
        RmsProp rms = new RmsProp(0.01, 0.9, EPSILON);
        double[] expected = Nd4j.valueArrayOf(new long[] {N}, EPSILON, DataType.DOUBLE).toDoubleVector();
        for (IUpdater config : new IUpdater[] {LookSam.builder().base(rms).build(),
            Mesa.builder().base(rms).build()}) {
            INDArray view = view(config);
            view.assign(3);
            MomentumUpdater u = (MomentumUpdater) config.instantiate(view, true);
            u.resolve(N);
            Map<String, INDArray> state = ((GradientUpdater<?>) u).getState();
            assertArrayEquals(expected, state.get(RmsPropUpdater.G_STATE).toDoubleVector(), 0.0, config.toString());
            for (Map.Entry<String, INDArray> e : state.entrySet()) {
                if (!e.getKey().equals(RmsPropUpdater.G_STATE)) {
                    assertEquals(0.0, e.getValue().amaxNumber().doubleValue(), config + ": " + e.getKey());
                }
            }
        }
    }

    @Test
    void aStateWrittenIntoTheViewBeforeTheBlockSizeIsKnownIsKept() {
        // DL4J restores a saved model by copying its updater state into the view of the updaters init() made
        LookSam config = LookSam.builder().base(new RmsProp(0.01, 0.9, EPSILON)).build();
        INDArray view = view(config);
        LookSamUpdater u = (LookSamUpdater) config.instantiate(view, true);
        INDArray saved = count(view.length());
        view.assign(saved);
        u.resolve(N);
        assertArrayEquals(saved.toDoubleVector(), view.toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7},
                u.getState().get(RmsPropUpdater.G_STATE).toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {8, 9, 10, 11, 12, 13, 14}, u.gv().toDoubleVector(), 0.0);
    }

    @Test
    void thePartsSitWhereTheLayoutSays() {
        // [base state | per-parameter arrays], each n long: MESA over SGD with momentum; adaptive MSAM over AdamW keeps
        // AdamW's alone
        Mesa mesa = Mesa.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).build();
        INDArray view = view(mesa);
        assertEquals(2 * N, view.length());
        view.assign(count(view.length()));
        MesaUpdater m = (MesaUpdater) mesa.instantiate(view, false);
        m.resolve(N);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7}, m.momentum().toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {8, 9, 10, 11, 12, 13, 14}, m.ema().toDoubleVector(), 0.0);
        assertTrue(m.isStarted(), "a θ_ema that is not all zero has started");
        MesaUpdater fresh = (MesaUpdater) mesa.instantiate(view(mesa), true);
        fresh.resolve(N);
        assertFalse(fresh.isStarted(), "a new θ_ema has not");

        Msam msam = Msam.builder().base(AdamW.builder().learningRate(1e-3).build()).rho(0.5).adaptive(true).build();
        INDArray v = view(msam);
        assertEquals(2 * N, v.length(), "AdamW's [m | s]: c and e are derived at each step");
        v.assign(count(v.length()));
        MsamUpdater a = (MsamUpdater) msam.instantiate(v, false);
        a.resolve(N);
        assertEquals(1, a.momentum().getDouble(0), 0.0);
        assertEquals(0, a.scale(), 0.0, "c is not part of the state");
        assertFalse(a.isPerturbed());
    }

    /** A configuration as a model saved with state layout 0 has it: its JSON without {@code stateLayout}. */
    static IUpdater legacy(IUpdater config) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String json = mapper.writerFor(IUpdater.class).writeValueAsString(config);
        assertTrue(json.contains("\"stateLayout\":"), json);
        return mapper.readValue(json.replaceAll(",?\"stateLayout\":[01]", ""), IUpdater.class);
    }

    @Test
    void aModelSavedWithLayoutZeroKeepsItsNumbersAtTheEnd() throws Exception {
        // 0.1.0: SGD's step count after v, then MSAM's c and perturbed flag; MESA's started flag after θ_ema
        Msam msam = (Msam) legacy(Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build())
                .rho(0.5).build());
        assertTrue(msam.hasLegacyStateLayout());
        assertTrue(((SgdMomentum) msam.getBase()).hasLegacyStateLayout());
        INDArray v = view(msam);
        assertEquals(N + 1 + Msam.LEGACY_EXTRA_STATE, v.length());
        v.assign(count(v.length()));
        MsamUpdater u = (MsamUpdater) msam.instantiate(v, false);
        u.resolve(N);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7}, u.momentum().toDoubleVector(), 0.0);
        assertEquals(N + 2, u.scale(), 0.0, "c is the second-to-last number");
        assertTrue(u.isPerturbed(), "the flag is the last");
        assertEquals(msam, legacy(msam), "a layout-0 configuration stays layout 0");
        assertNotEquals(msam, msam.toBuilder().build(), "and is not the same configuration as a new one");

        Mesa mesa = (Mesa) legacy(Mesa.builder().base(AdamW.builder().build()).build());
        assertEquals(2 * N + 1 + N + 1, view(mesa).length());
        MesaUpdater m = (MesaUpdater) mesa.instantiate(view(mesa), true);
        m.resolve(N);
        assertFalse(m.isStarted());
        m.markStarted();
        assertTrue(m.isStarted());
        assertEquals(1, m.getState().get(MesaUpdater.STARTED_STATE).getDouble(0), 0.0);
    }

    @Test
    void aMissingPartIsNamedAndTooSmallAViewRefused() {
        LookSam config = LookSam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build())
                .build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> config.instantiate(Map.of("V", Nd4j.zeros(N)), true));
        assertTrue(e.getMessage().startsWith("LookSam state must contain LOOKSAM_GV; got keys"), e.getMessage());
        LookSamUpdater u = (LookSamUpdater) config.instantiate(Nd4j.zeros(DataType.DOUBLE, N - 1), true);
        assertEquals("LookSam state of length 6 cannot hold 7 parameters",
                assertThrows(IllegalArgumentException.class, () -> u.resolve(N)).getMessage());
    }
}
