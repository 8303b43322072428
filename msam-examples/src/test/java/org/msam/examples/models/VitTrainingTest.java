package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.DecoupledWeightDecay;
import org.msam.dl4j.PerturbationScope;
import org.msam.dl4j.SharpnessAware;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/** A small ViT trains under every optimizer of the library, its SameDiff parameters included. */
class VitTrainingTest {
    private static final int CLASSES = 5;

    /** 8×8×3 input, patch 4 (4 tokens), D 16, 1 block, 2 heads, MLP 32. */
    private static ComputationGraph smallVit(IUpdater updater) {
        return VisionTransformer.builder(4, 16, 1, 2, 32).inputShape(3, 8, 8).numClasses(CLASSES).seed(21)
                .updater(updater).init();
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.rand(DataType.FLOAT, 8, 3, 8, 8), GraphChecks.oneHot(8, CLASSES, seed));
    }

    private static SgdMomentum sgd(boolean nesterov) {
        return SgdMomentum.builder().learningRate(0.05).momentum(0.9).nesterov(nesterov).build();
    }

    private static AdamW adamW() {
        return AdamW.builder().learningRate(1e-3).weightDecay(0.05).build();
    }

    /** name, updater, whether SharpnessAware.install is needed (else DecoupledWeightDecay.install). */
    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("SgdMomentum", (Supplier<IUpdater>) () -> sgd(false), false),
                Arguments.of("SgdMomentum nesterov", (Supplier<IUpdater>) () -> sgd(true), false),
                Arguments.of("AdamW", (Supplier<IUpdater>) VitTrainingTest::adamW, false),
                Arguments.of("Sam over SgdMomentum",
                        (Supplier<IUpdater>) () -> Sam.builder().base(sgd(false)).rho(0.05).build(), true),
                Arguments.of("Msam over SgdMomentum",
                        (Supplier<IUpdater>) () -> Msam.builder().base(sgd(false)).rho(0.3).build(), true),
                Arguments.of("Msam over AdamW",
                        (Supplier<IUpdater>) () -> Msam.builder().base(adamW()).rho(0.3).build(), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void trainsForAFewSteps(String name, Supplier<IUpdater> updater, boolean sharpnessAware) {
        ComputationGraph net = smallVit(updater.get());
        if (sharpnessAware) {
            SharpnessAware.install(net);
        } else {
            DecoupledWeightDecay.install(net);
        }
        Map<String, INDArray> before = snapshot(net);
        DataSet data = batch(1);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
            assertTrue(Double.isFinite(net.score()), name + ": loss " + net.score());
        }
        assertEquals(3, net.getIterationCount());
        try (PerturbationScope s = sharpnessAware ? SharpnessAware.unperturbed(net) : null) {
            for (Map.Entry<String, INDArray> e : before.entrySet()) {
                assertNotEquals(e.getValue(), net.getParam(e.getKey()), name + ": " + e.getKey() + " did not move");
            }
            assertFalse(net.params().isNaN().any(), name + (s == null ? "" : " in " + s));
        }
    }

    /**
     * MSAM takes each step's gradient at θ̃ = θ − ρ·m/‖m‖ (the network holds θ between steps): the perturbation
     * covers the SameDiff layers' parameters (they are views of the flat parameter vector), and their forward pass
     * reads them.
     */
    @Test
    void msamPerturbsTheSameDiffLayersParameters() {
        ComputationGraph net = smallVit(Msam.builder().base(adamW()).rho(0.3).build());
        SharpnessAware.install(net);
        DataSet data = batch(2);
        net.fit(data);
        net.fit(data);
        assertFalse(SharpnessAware.isPerturbed(net), "θ between steps");
        Map<String, INDArray> atTheta = snapshot(net);
        INDArray patchesTrue = net.feedForward(data.getFeatures(), false).get("patch_embed").dup();
        SharpnessAware.applyPerturbation(net); // θ̃, where the next step's gradient is taken
        assertTrue(SharpnessAware.isPerturbed(net));
        for (Layer layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof VitLayer) {
                for (String key : layer.paramTable().keySet()) {
                    String name = layer.conf().getLayer().getLayerName() + "_" + key;
                    assertNotEquals(atTheta.get(name), layer.getParam(key), name + " equal at θ and θ̃");
                }
            }
        }
        INDArray patchesPerturbed = net.feedForward(data.getFeatures(), false).get("patch_embed");
        assertNotEquals(patchesPerturbed, patchesTrue, "the SameDiff forward pass reads the perturbed views");
        SharpnessAware.removePerturbation(net);
        assertFalse(SharpnessAware.isPerturbed(net));
    }

    /**
     * One AdamW step with and without decoupled decay from the same initial parameters and batch: with
     * {@code ALL_TRAINABLE} every parameter initialised away from 0 is decayed, the SameDiff layers' matrices,
     * LayerNorm gains and position embedding included.
     */
    @Test
    void adamWAllTrainableDecayReachesTheSameDiffLayers() {
        Map<String, INDArray> initial = snapshot(smallVit(adamW()));
        Map<String, INDArray> plain = oneAdamWStep(0.0, DecayScope.ALL_TRAINABLE);
        Map<String, INDArray> decayed = oneAdamWStep(1.0, DecayScope.ALL_TRAINABLE);
        for (String key : plain.keySet()) {
            double gap = plain.get(key).sub(decayed.get(key)).amaxNumber().doubleValue();
            // biases and LayerNorm offsets start at 0: nothing to decay in the first step
            if (initial.get(key).amaxNumber().doubleValue() > 0) {
                assertTrue(gap > 1e-6, key + " not decayed under ALL_TRAINABLE: " + gap);
            }
        }
    }

    /**
     * With {@code WEIGHTS_ONLY} exactly the matrices are decayed: {@code W}, {@code Wqkv}, {@code Wout}, {@code W1},
     * {@code W2} ({@code ParamInitializer.isWeightParam}, see
     * {@link VisionTransformerTest#matricesAreWeightsEverythingElseIsBias()}).
     */
    @Test
    void adamWWeightsOnlyDecayDecaysExactlyTheMatrices() {
        Map<String, INDArray> plain = oneAdamWStep(0.0, DecayScope.WEIGHTS_ONLY);
        Map<String, INDArray> decayed = oneAdamWStep(1.0, DecayScope.WEIGHTS_ONLY);
        for (String key : plain.keySet()) {
            boolean matrix = key.endsWith("_W") || key.endsWith("_Wqkv") || key.endsWith("_Wout")
                    || key.endsWith("_W1") || key.endsWith("_W2");
            double gap = plain.get(key).sub(decayed.get(key)).amaxNumber().doubleValue();
            if (matrix) {
                assertTrue(gap > 1e-5, key + " not decayed under WEIGHTS_ONLY: " + gap);
            } else {
                assertEquals(0.0, gap, 1e-7, key + " decayed under WEIGHTS_ONLY");
            }
        }
    }

    private static Map<String, INDArray> oneAdamWStep(double weightDecay, DecayScope scope) {
        ComputationGraph net = smallVit(AdamW.builder().learningRate(1e-2).weightDecay(weightDecay)
                .decayScope(scope).build());
        DecoupledWeightDecay.install(net);
        net.fit(batch(3));
        return snapshot(net);
    }

    private static Map<String, INDArray> snapshot(ComputationGraph net) {
        Map<String, INDArray> copy = new HashMap<>();
        net.paramTable().forEach((k, v) -> copy.put(k, v.dup()));
        return copy;
    }
}
