package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SameDiff;

/** Model files saved by version 0.1.0 load with today's code and resume to the weights that run reached. */
class LegacyModelTest {
    static final Path DIR = Path.of("src/test/resources/legacy");

    @ParameterizedTest
    @EnumSource(LegacyModels.Case.class)
    void aModelSavedByVersion010ResumesExactly(LegacyModels.Case c) throws Exception {
        double[] expected = LegacyModels.readFinal(LegacyModels.finalFile(DIR, c));
        File file = LegacyModels.modelFile(DIR, c).toFile();
        double[] actual;
        if (c.sameDiff()) {
            SameDiff sd = SameDiff.load(file, true);
            SharpnessAware.install(sd);
            sd.fit(Nets.iterator(LegacyModels.batches()), LegacyModels.EPOCHS_AFTER);
            actual = SdMlp.params(sd);
        } else {
            Model net;
            if (c == LegacyModels.Case.ASAM_SGD_CG || c == LegacyModels.Case.MSAM_ADAMW_CG) {
                ComputationGraph g = ModelSerializer.restoreComputationGraph(file, true);
                SharpnessAware.install(g);
                net = g;
            } else {
                MultiLayerNetwork m = ModelSerializer.restoreMultiLayerNetwork(file, true);
                SharpnessAware.install(m);
                net = m;
            }
            LegacyModels.fit(net, LegacyModels.EPOCHS_AFTER);
            actual = net.params().toDoubleVector();
        }
        assertEquals(expected.length, actual.length, "parameter count");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-12 * Math.max(1, Math.abs(expected[i])),
                    c + ": parameter " + i + " after resuming");
        }
    }
}
