package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.msam.rules.Hyperparameter;
import org.msam.rule.Need;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;

/** The README's table of optimizers is the rule registry's; on a difference the message holds the table to paste. */
class RuleTableTest {
    private static final String BEGIN = "<!-- rules: generated from org.msam.rules.Rules, checked by RuleTableTest -->";
    private static final String END = "<!-- /rules -->";

    /** The needs in the table's words. */
    private static final Map<Need, String> NEEDS = new EnumMap<>(Map.of(
            Need.SECOND_PASS, "a second pass",
            Need.HELD_PERTURBATION, "its pass at θ̃, known before it (BatchNorm statistics recomputed at θ)",
            Need.BASE_MOMENTUM, "a base with momentum > 0 (`--diagnostics`)",
            Need.NORMALIZATION_LAYERS, "BatchNorm or LayerNorm layers",
            Need.SAMPLE_LOSSES, "per-sample losses",
            Need.STEP_GRADIENT_TERM, "a term on the step gradient",
            Need.TEACHER_FORWARD, "a teacher forward pass"));

    /** @return the table, one row per registered rule */
    static String table() {
        StringBuilder t = new StringBuilder();
        t.append("| `--optimizer` | rule | hyperparameters (option, symbol, default, range) | needs |\n");
        t.append("|---|---|---|---|\n");
        for (RuleSpec r : Rules.all()) {
            String hypers = r.hyperparameters().stream().map(RuleTableTest::hyper).collect(Collectors.joining("; "));
            String needs = r.needs().stream().map(NEEDS::get).collect(Collectors.joining(", "));
            t.append("| `").append(r.name()).append("` | ").append(r.summary().replace("|", "\\|")).append(" | ").append(hypers)
                    .append(r.takesRhoSchedule() ? "; `--rho-off-epochs`" : "").append(" | ")
                    .append(needs.isEmpty() ? "—" : needs).append(" |\n");
        }
        return t.toString();
    }

    private static String hyper(Hyperparameter h) {
        double d = h.defaultValue().doubleValue();
        String value = d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        return "`" + h.option() + "` " + h.symbol() + " " + value + " (" + h.rangeInWords() + ")";
    }

    @Test
    void theReadmeTableIsTheRegistrys() throws Exception {
        String readme = ReadmeTest.readme();
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        assertTrue(b >= 0 && e > b, "the README holds the table between " + BEGIN + " and " + END);
        String shown = readme.substring(b + BEGIN.length(), e).trim() + "\n";
        assertEquals(table(), shown, "the README's table of rules differs from the registry; paste this between the "
                + "markers:\n" + table());
        for (Need n : Need.values()) {
            assertTrue(NEEDS.containsKey(n), "the table words " + n);
        }
    }
}
