package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Paths;

import org.junit.jupiter.api.Test;
import org.msam.examples.train.RunConfig;

class TrainOptionsTest {

    @Test
    void dataFolderIsRecordedAbsoluteAndNormalisedSoThatResumesMatchFromAnyWorkingDirectory() {
        TrainOptions o = new TrainOptions();
        o.dataDir = Paths.get("runs", "..", "data", ".", "cifar");
        RunConfig c = o.toConfig(org.msam.examples.train.Optimizer.SGD, 1L);
        assertEquals(Paths.get("data", "cifar").toAbsolutePath().toString(), c.dataDir);
    }
}
