package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.msam.config.AdamW;
import org.msam.config.FreePerturbation;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * {@link LearningRates#set}: changing one layer's learning rate after some steps equals a network configured from
 * the start with a schedule for that layer which switches at that iteration, for the base optimizers and the
 * sharpness-aware rules (whose per-block numbers DL4J's own {@code net.setLearningRate(layer, lr)} cannot carry), on
 * both network types.
 */
class LearningRatesTest {
    static final double ETA = 0.1;
    static final int SWITCH = 4;

    enum Case {
        SGD(lr -> SgdMomentum.builder().learningRate(lr).momentum(0.9).build()),
        ADAMW(lr -> AdamW.builder().learningRate(lr).weightDecay(0.05).build()),
        MSAM(lr -> Msam.builder().base(SgdMomentum.builder().learningRate(lr).momentum(0.9).build()).rho(0.3)
                .build()),
        MSAM_ADAMW(lr -> Msam.builder().base(AdamW.builder().learningRate(lr).build()).rho(0.1).build()),
        SAM(lr -> Sam.builder().base(SgdMomentum.builder().learningRate(lr).momentum(0.9).build()).rho(0.1).build()),
        LAST_GRADIENT(lr -> FreePerturbation.builder().base(SgdMomentum.builder().learningRate(lr).momentum(0.9)
                .build()).direction(FreePerturbation.Direction.LAST_GRADIENT).rho(0.2).build()),
        LOOKSAM(lr -> LookSam.builder().base(SgdMomentum.builder().learningRate(lr).momentum(0.9).build()).rho(0.1)
                .period(2).build()),
        MESA(lr -> Mesa.builder().base(SgdMomentum.builder().learningRate(lr).momentum(0.9).build()).startEpoch(0)
                .emaDecay(0.9).build());

        final Function<ISchedule, IUpdater> updater;

        Case(Function<ISchedule, IUpdater> updater) {
            this.updater = updater;
        }

        IUpdater constant() {
            return updater.apply(new MapSchedule(ScheduleType.ITERATION, Map.of(0, ETA)));
        }

        IUpdater switching() {
            return updater.apply(new MapSchedule(ScheduleType.ITERATION, Map.of(0, ETA, SWITCH, ETA / 2)));
        }

        boolean needsDriver() {
            return this != SGD && this != ADAMW;
        }
    }

    static MultiLayerConfiguration conf(IUpdater all, IUpdater middle) {
        return new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.DOUBLE).updater(all)
                .weightInit(WeightInit.XAVIER).l2(1e-3).list()
                .layer(new DenseLayer.Builder().nIn(Nets.IN).nOut(Nets.HIDDEN).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(Nets.HIDDEN).nOut(Nets.HIDDEN).activation(Activation.TANH)
                        .updater(middle).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(Nets.HIDDEN).nOut(Nets.OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    static void install(Model net, Case c) {
        if (c.needsDriver()) {
            if (net instanceof MultiLayerNetwork) {
                SharpnessAware.install((MultiLayerNetwork) net);
            } else {
                SharpnessAware.install((ComputationGraph) net);
            }
        } else if (c == Case.ADAMW) {
            DecoupledWeightDecay.install(net);
        }
    }

    static void fit(Model net, List<DataSet> batches, int epochs) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches), epochs);
        } else {
            ((ComputationGraph) net).fit(Nets.iterator(batches), epochs);
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void oneLayersRateChangedMidwayEqualsASwitchingSchedule(Case c) {
        changedMidwayEqualsASwitchingSchedule(c, (net, graph) -> {
            if (graph) {
                LearningRates.set((ComputationGraph) net, "1", ETA / 2);
            } else {
                LearningRates.set((MultiLayerNetwork) net, 1, ETA / 2);
            }
        });
    }

    /**
     * DL4J's own {@code net.setLearningRate(layer, lr)} (and the graph's by name): every state is a whole multiple of its
     * block's parameter count, so DL4J regroups it by parameter itself, and the result equals the switching schedule.
     */
    @ParameterizedTest
    @EnumSource(Case.class)
    void dl4jsOwnSetLearningRateOfOneLayerEqualsASwitchingSchedule(Case c) {
        changedMidwayEqualsASwitchingSchedule(c, (net, graph) -> {
            if (graph) {
                ((ComputationGraph) net).setLearningRate("1", ETA / 2);
            } else {
                ((MultiLayerNetwork) net).setLearningRate(1, ETA / 2);
            }
        });
    }

    /**
     * Trains a network one epoch, changes layer 1's rate to η/2 with {@code change}, trains two more: equal to the
     * network whose layer 1 had the switching schedule from the start, and not to the one that kept η.
     */
    static void changedMidwayEqualsASwitchingSchedule(Case c, BiConsumer<Model, Boolean> change) {
        for (boolean graph : new boolean[] {false, true}) {
            List<DataSet> batches = Nets.batches(4, 8, 31, DataType.DOUBLE);
            Model changed = network(conf(c.constant(), c.constant()), graph);
            Model reference = network(conf(c.constant(), c.switching()), graph);
            Model constant = network(conf(c.constant(), c.constant()), graph);
            reference.setParams(changed.params().dup());
            constant.setParams(changed.params().dup());
            install(changed, c);
            install(reference, c);
            install(constant, c);
            fit(changed, batches, 1);
            change.accept(changed, graph);
            fit(changed, batches, 2);
            fit(reference, batches, 3);
            fit(constant, batches, 3);
            double err = Data.maxRelErr(changed.params().toDoubleVector(), reference.params().toDoubleVector());
            assertTrue(err < 1e-12, c + (graph ? " graph" : " network") + ": " + err);
            assertTrue(Data.maxRelErr(changed.params().toDoubleVector(), constant.params().toDoubleVector()) > 1e-9,
                    "the change has an effect");
        }
    }

    static Model network(MultiLayerConfiguration conf, boolean graph) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        if (!graph) {
            return net;
        }
        ComputationGraphConfiguration cg = net.toComputationGraph().getConfiguration();
        ComputationGraph g = new ComputationGraph(cg);
        g.init(net.params().dup(), false);
        return g;
    }

    @Test
    void aLayerWithoutALearningRateIsNamed() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf(Case.SGD.constant(), new org.nd4j.linalg.learning.config
                .NoOp()));
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRates.set(net, 1,
                0.05));
        assertTrue(e.getMessage().startsWith("layer 1 has no updater with a learning rate"), e.getMessage());
    }
}
