package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The memory table: state sizes that follow from the update rules, on the small CNN. */
class MemoryReportTest {
    @Test
    void stateSizesFollowTheUpdateRules() {
        List<MemoryReport.Row> rows = MemoryReport.run(List.of("smallCnn"), MemoryReport.OPTIMIZERS);
        Map<String, MemoryReport.Row> by = new HashMap<>();
        for (MemoryReport.Row r : rows) {
            by.put(r.optimizer, r);
            assertEquals(4, r.elementSize, "float32");
        }
        MemoryReport.Row sgd = by.get("sgd");
        long params = sgd.parameters;
        assertEquals(87_162, params);
        // One buffer per trainable parameter (BatchNorm statistics have none), laid out like them.
        assertTrue(sgd.stateElements > 80_000 && sgd.stateElements < params, "" + sgd.stateElements);
        assertEquals(sgd.stateElements, by.get("nag").stateElements);
        assertEquals(0, sgd.listenerElements);
        long trainable = by.get("nd4jNesterovs").stateElements;
        assertEquals(trainable, sgd.stateElements, "v, as ND4J's Nesterovs");
        assertEquals(2 * trainable, by.get("nd4jAdam").stateElements);
        assertEquals(2 * trainable, by.get("adamw").stateElements, "m and s, as ND4J's Adam");

        MemoryReport.Row sam = by.get("sam");
        assertEquals(sgd.stateElements, sam.stateElements);
        long noOp = params - trainable;
        assertTrue(noOp > 0, "BatchNorm statistics");
        assertEquals(trainable + noOp, sam.listenerElements, "a copy of θ plus the BatchNorm statistics' updates");
        assertEquals(2 * trainable + noOp, by.get("asam").listenerElements, "and T");
        // smallCnn: BatchNorm over 16 and 32 channels, γ and β each.
        assertEquals(2 * (16 + 32) + noOp, by.get("bnsam").listenerElements, "a copy of γ and β only");
        MemoryReport.Row look = by.get("looksam");
        assertEquals(sgd.stateElements + trainable, look.stateElements, "g_v is state");
        assertEquals(2 * trainable + noOp, look.listenerElements, "θ and the first gradient");
        MemoryReport.Row amsam = by.get("amsam");
        assertEquals(by.get("msam").stateElements, amsam.stateElements, "e is derived at each step");
        assertEquals(2 * trainable, amsam.listenerElements, "e and T");
        assertEquals(0, by.get("bnmsam").listenerElements);
        assertEquals(by.get("msam").stateElements, by.get("bnmsam").stateElements);

        MemoryReport.Row esam = by.get("esam");
        assertEquals(sgd.stateElements, esam.stateElements, "no state of its own");
        assertEquals(trainable + noOp, esam.listenerElements, "SAM's buffers");
        MemoryReport.Row mesa = by.get("mesa");
        assertEquals(trainable, mesa.stateElements - sgd.stateElements, "θ_ema is state");
        assertEquals(params, mesa.listenerElements, "the inference copy of the network");

        MemoryReport.Row msam = by.get("msam");
        assertEquals(sgd.stateElements, msam.stateElements, "MSAM's state is its base optimizer's");
        assertEquals(0, msam.listenerElements);
        assertEquals(by.get("adamw").stateElements, by.get("msam-adamw").stateElements);

        String md = MemoryReport.markdown(rows);
        assertTrue(md.contains("| smallCnn | 87,162 | sam |"), md);
        assertTrue(md.contains("(vs sgd)"), md);
        assertTrue(md.contains("for the window's gradient sum: smallCnn " + String.format(java.util.Locale.ROOT, "%,d B",
                87_162L * by.get("sgd").elementSize) + "."), md);
    }

    @Test
    void wideResNet164HasTheKnownParameterCount() {
        assertEquals(2_775_636, Models.build("wrn16_4", Optimizers.updater("sgd"), 0).numParams());
    }
}
