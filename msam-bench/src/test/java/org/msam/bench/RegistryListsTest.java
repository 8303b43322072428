package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.msam.rules.Rules;
import org.openjdk.jmh.annotations.Param;

/** The benchmarks' lists of optimizers hold every registered rule (JMH's @Param needs constants: checked here). */
class RegistryListsTest {
    @Test
    void theIterationBenchmarkMeasuresEveryRegisteredRule() throws Exception {
        Param p = TrainingIterationBenchmark.class.getField("optimizer").getAnnotation(Param.class);
        List<String> expected = new ArrayList<>(List.of("sgd", "nag", "adamw", "msam-adamw"));
        expected.addAll(Rules.names());
        List<String> listed = List.of(p.value());
        assertTrue(listed.containsAll(expected) && expected.containsAll(listed),
                "TrainingIterationBenchmark's @Param list " + listed + " must be the bases, msam-adamw and the registry "
                        + Rules.names());
        assertEquals(listed.size(), expected.size(), "no name twice");
    }

    @Test
    void theMemoryReportListsEveryRegisteredRule() {
        assertTrue(MemoryReport.OPTIMIZERS.containsAll(Rules.names()));
        for (String name : MemoryReport.OPTIMIZERS) {
            Optimizers.updater(name);
        }
    }
}
