package org.msam.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.junit.jupiter.api.Test;
import org.msam.examples.models.OpConvolutionLayer;
import org.nd4j.linalg.learning.config.Sgd;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** {@link ConvolutionModelBenchmark}: both kinds of layers, both optimizers, once each on the small CNN. */
class ConvolutionModelBenchmarkTest {
    @Test
    void runsEveryLayerKindAndOptimizer() throws Exception {
        Options options = new OptionsBuilder()
                .include(Pattern.quote(ConvolutionModelBenchmark.class.getName()) + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(20))
                .param("model", "small-cnn")
                .param("batch", "2")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertEquals(2 * 2, results.size());
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), r.getParams() + ": " + score);
        }
    }

    @Test
    void theLayersParameterChoosesTheConvolutionClass() {
        for (String model : new String[] {"small-cnn", "wrn-16-1"}) {
            assertEquals(0, count(ConvolutionModelBenchmark.builder(model, "built-in").updater(new Sgd(0.1)).conf()));
            assertTrue(count(ConvolutionModelBenchmark.builder(model, "native-ops").updater(new Sgd(0.1)).conf()) > 0);
        }
        assertThrows(IllegalArgumentException.class, () -> ConvolutionModelBenchmark.builder("wrn-16-4", "built-in"));
        assertThrows(IllegalArgumentException.class, () -> ConvolutionModelBenchmark.builder("small-cnn", "fast"));
    }

    @Test
    void interleavedIterationsTimesBothForms() {
        String line = InterleavedIterations.run("small-cnn", 1, 2);
        assertTrue(line.startsWith("small-cnn: built-in median ") && line.contains("native-ops median ")
                && line.contains("1 interleaved iterations each") && line.contains("native-ops alone median "), line);
        assertThrows(IllegalArgumentException.class, () -> InterleavedIterations.run("small-cnn", 0, 2));
    }

    private static long count(ComputationGraphConfiguration conf) {
        return conf.getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof OpConvolutionLayer)
                .count();
    }
}
