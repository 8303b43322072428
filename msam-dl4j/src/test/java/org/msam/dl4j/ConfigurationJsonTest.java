package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.schedule.OffThenOnSchedule;
import org.msam.schedule.WarmupCosineSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ScheduleType;

/** Our configurations survive DL4J's JSON and model files, and keep a network in one updater block. */
class ConfigurationJsonTest {
    /** Configurations with schedules and non-default bases; {@link RuleContractTest} round-trips every registered rule. */
    static final IUpdater[] UPDATERS = {
        Msam.builder().base(SgdMomentum.builder().learningRate(WarmupCosineSchedule.builder().peak(0.5)
                .warmupIterations(10).totalIterations(100).build()).momentum(0.9).nesterov(true).build())
                .rhoSchedule(new OffThenOnSchedule(ScheduleType.EPOCH, 2, 3.0)).build(),
        Msam.builder().base(AdamW.builder().learningRate(1e-3).weightDecay(0.1).decayScope(DecayScope.WEIGHTS_ONLY)
                .build()).rho(3).build(),
        Sam.builder().base(SgdMomentum.builder().dampening(0.1).build()).rho(0.2).adaptive(true).build()
    };

    @Test
    void multiLayerConfigurationRoundTrips() {
        for (IUpdater u : UPDATERS) {
            MultiLayerConfiguration conf = Nets.mlpConf(u, DataType.FLOAT, 5e-4, false);
            MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
            assertEquals(conf, back);
            assertEquals(u, back.getConf(0).getLayer().getUpdaterByParam("W"));
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            assertEquals(1, Probe.blocks(net).size(), "equal configurations share one updater block");
        }
    }

    @Test
    void computationGraphRoundTripsThroughAModelFile(@TempDir Path dir) throws Exception {
        for (IUpdater u : UPDATERS) {
            ComputationGraphConfiguration conf = Nets.residualConf(u, DataType.FLOAT, 0);
            assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
            ComputationGraph net = new ComputationGraph(conf);
            net.init();
            SharpnessAware.install(net);
            net.fit(Nets.iterator(Nets.batches(2, 8, 1, DataType.FLOAT)));
            File f = dir.resolve(u.getClass().getSimpleName() + u.hashCode() + ".zip").toFile();
            ModelSerializer.writeModel(net, f, true);
            ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
            assertEquals(net.getConfiguration(), back.getConfiguration());
            assertEquals(net.params(), back.params());
            assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        }
    }
}
