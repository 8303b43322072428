package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.FreePerturbation;
import org.msam.config.FreePerturbation.Direction;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The gradient-free perturbations of paper Appendix A.6 on DL4J networks, every direction in both forms: ρ = 0 is
 * the base optimizer bit for bit, ρ &gt; 0 trains at θ̃ and leaves the network at θ, the configuration survives JSON,
 * and a run resumed from a saved model follows the uninterrupted one bit for bit (the rule's maths is checked
 * against its reference in msam-core's {@code FreePerturbationRuleTest}).
 */
class FreePerturbationTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    static Stream<Arguments> forms() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Direction d : Direction.values()) {
            b.add(Arguments.of(d, false));
            b.add(Arguments.of(d, true));
        }
        return b.build();
    }

    static FreePerturbation config(Direction d, boolean relative, double rho) {
        return FreePerturbation.builder().base(SGD).direction(d).relative(relative).rho(rho).seed(5).build();
    }

    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void rhoZeroIsTheBaseAndRhoTrainsAtThePerturbedWeights(Direction d, boolean relative) {
        List<DataSet> batches = Nets.batches(6, 8, 3, DataType.DOUBLE);
        MultiLayerNetwork base = Nets.mlp(SGD, DataType.DOUBLE, 1e-3, false);
        MultiLayerNetwork zero = Nets.mlp(config(d, relative, 0), DataType.DOUBLE, 1e-3, false);
        MultiLayerNetwork on = Nets.mlp(config(d, relative, 0.3), DataType.DOUBLE, 1e-3, false);
        zero.setParams(base.params().dup());
        on.setParams(base.params().dup());
        SharpnessAware.install(zero);
        SharpnessAware.install(on);
        base.fit(Nets.iterator(batches), 2);
        zero.fit(Nets.iterator(batches), 2);
        on.fit(Nets.iterator(batches), 2);
        assertArrayEquals(base.params().toDoubleVector(), zero.params().toDoubleVector(), 0.0, "ρ = 0");
        assertTrue(Data.maxRelErr(on.params().toDoubleVector(), base.params().toDoubleVector()) > 1e-4,
                "ρ = 0.3 changes the trajectory");
        assertFalse(SharpnessAware.isPerturbed(on), "the network holds θ after fit");
    }

    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void theGraphFollowsTheNetworkAndTheConfigurationSurvivesJson(Direction d, boolean relative) {
        FreePerturbation cfg = config(d, relative, 0.3);
        List<DataSet> batches = Nets.batches(5, 8, 7, DataType.DOUBLE);
        MultiLayerConfiguration conf = Nets.oneHiddenLayer(Nets.base(cfg, DataType.DOUBLE, 1e-3));
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        ComputationGraph graph = net.toComputationGraph();
        graph.setParams(net.params().dup());
        SharpnessAware.install(net);
        SharpnessAware.install(graph);
        net.fit(Nets.iterator(batches), 2);
        graph.fit(Nets.iterator(batches), 2);
        assertTrue(Data.maxRelErr(net.params().toDoubleVector(), graph.params().toDoubleVector()) < 1e-12,
                "graph vs network: " + Data.maxRelErr(net.params().toDoubleVector(),
                        graph.params().toDoubleVector()));
    }

    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void aRestoredModelResumesExactly(Direction d, boolean relative, @TempDir Path dir) throws IOException {
        List<DataSet> batches = Nets.batches(4, 8, 9, DataType.DOUBLE);
        MultiLayerNetwork whole = Nets.mlp(config(d, relative, 0.3), DataType.DOUBLE, 1e-3, false);
        MultiLayerNetwork first = Nets.mlp(config(d, relative, 0.3), DataType.DOUBLE, 1e-3, false);
        SharpnessAware.install(whole);
        SharpnessAware.install(first);
        Nets.assertResumesExactly(whole, first, batches, dir);
    }

    /**
     * On SameDiff every direction trains, ρ = 0 is the base bit for bit, and the variables hold θ after fit (the
     * random direction is drawn over SameDiff's own layout, so it is not compared with a network's trajectory).
     */
    @ParameterizedTest(name = "{0} relative={1}")
    @MethodSource("forms")
    void sameDiffTrainsEveryDirection(Direction d, boolean relative) {
        double[] theta0 = SdMlp.initial(17);
        List<DataSet> batches = Nets.batches(4, 8, 19, DataType.DOUBLE);
        org.nd4j.autodiff.samediff.SameDiff base = SdMlp.build(theta0, SGD, 1e-3);
        org.nd4j.autodiff.samediff.SameDiff zero = SdMlp.build(theta0, config(d, relative, 0), 1e-3);
        org.nd4j.autodiff.samediff.SameDiff on = SdMlp.build(theta0, config(d, relative, 0.3), 1e-3);
        SharpnessAware.install(zero);
        SharpnessAware.install(on);
        base.fit(Nets.iterator(batches), 2);
        zero.fit(Nets.iterator(batches), 2);
        on.fit(Nets.iterator(batches), 2);
        assertArrayEquals(SdMlp.params(base), SdMlp.params(zero), 0.0, "ρ = 0");
        assertTrue(Data.maxRelErr(SdMlp.params(on), SdMlp.params(base)) > 1e-4, "ρ = 0.3 changes the trajectory");
        assertFalse(SharpnessAware.isPerturbed(on), "the variables hold θ after fit");
    }
}
