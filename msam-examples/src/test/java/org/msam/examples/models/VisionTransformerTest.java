package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.nn.weights.WeightInitXavierUniform;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;

class VisionTransformerTest {

    /**
     * Ours = the hand formula; timm's {@code vit_small_patch32_224}, {@code vit_small_patch16_224},
     * {@code vit_base_patch32_224} and {@code vit_base_patch16_224} (22.9M, 22.1M, 88.2M, 86.6M) have the same
     * layers plus a class token (D) and its position-embedding row (D).
     */
    @ParameterizedTest(name = "{0}: {1} parameters, timm {2}")
    @CsvSource({
        "vit-s-32, 22878184, 22878952",
        "vit-s-16, 22049896, 22050664",
        "vit-b-32, 88222696, 88224232",
        "vit-b-16, 86566120, 86567656",
    })
    void namedConfigurationsMatchThePublishedCountsLessTheClassToken(String name, long ours, long timm) {
        VisionTransformer vit = (VisionTransformer) Models.builder(name);
        assertEquals(1000, vit.numClasses());
        assertEquals(224, vit.height());
        long formula = VitReference.parameters(3, 224, 224, vit.patchSize(), vit.dim(), vit.depth(), vit.mlpDim(),
                1000);
        assertEquals(ours, formula, "hand formula");
        assertEquals(timm, formula + 2L * vit.dim(), "hand formula + class token + its position row");
        ParameterCount count = ParameterCount.of(vit.updater(new Sgd(0.1)).conf());
        assertEquals(ours, count.total(), "DL4J numParams, from the configuration");
        assertEquals(ours, count.trainable(), "trainable, from the configuration");
    }

    @ParameterizedTest(name = "{0}: D {1}, {2} blocks, {3} heads, MLP {4}, patch {5}")
    @CsvSource({
        "vit-s-32, 384, 12, 6, 1536, 32",
        "vit-s-16, 384, 12, 6, 1536, 16",
        "vit-b-32, 768, 12, 12, 3072, 32",
        "vit-b-16, 768, 12, 12, 3072, 16",
        "vit-tiny-cifar, 128, 4, 4, 256, 4",
    })
    void namedConfigurations(String name, int dim, int depth, int heads, int mlp, int patch) {
        VisionTransformer vit = (VisionTransformer) Models.builder(name);
        assertEquals(dim, vit.dim());
        assertEquals(depth, vit.depth());
        assertEquals(heads, vit.heads());
        assertEquals(mlp, vit.mlpDim());
        assertEquals(patch, vit.patchSize());
        List<String> attention = GraphChecks.named(vit.updater(new Sgd(0.1)).conf(), MultiHeadSelfAttention.class);
        assertEquals(depth, attention.size());
    }

    @ParameterizedTest(name = "{0} classes: {1} parameters")
    @CsvSource({"100, 557540", "10, 545930"})
    void tinyCifarParameterCountsAndForwardPassOnTwoImages(int classes, long expected) {
        VisionTransformer vit = VisionTransformer.tinyCifar().numClasses(classes).updater(new Sgd(0.1));
        assertEquals(64, vit.tokens());
        assertEquals(expected, VitReference.parameters(3, 32, 32, 4, 128, 4, 256, classes));
        ComputationGraph net = vit.init();
        assertEquals(expected, net.numParams());
        assertEquals(ParameterCount.of(vit.conf()), ParameterCount.of(net));
        GraphChecks.assertForward(net, 3, 32, 32, classes);
    }

    @Test
    void vitS32ForwardPassOnTwoImages() {
        ComputationGraph net = VisionTransformer.vitS32().updater(new Sgd(0.1)).init();
        assertEquals(22_878_184L, net.numParams());
        GraphChecks.assertForward(net, 3, 224, 224, 1000);
    }

    @Test
    void preNormBlocksWithResidualSums() {
        ComputationGraphConfiguration conf = VisionTransformer.builder(4, 16, 2, 2, 32).inputShape(3, 8, 8)
                .numClasses(5).updater(new Sgd(0.1)).conf();
        assertEquals(List.of(ModelBuilder.INPUT), GraphChecks.inputs(conf, "patch_embed"));
        assertEquals(List.of("patch_embed"), GraphChecks.inputs(conf, "pos_embed"));
        String x = "pos_embed";
        for (int b = 0; b < 2; b++) {
            String p = "block" + b + "_";
            assertEquals(List.of(x), GraphChecks.inputs(conf, p + "norm1"));
            assertEquals(List.of(p + "norm1"), GraphChecks.inputs(conf, p + "attn"));
            assertEquals(List.of(p + "attn", x), GraphChecks.inputs(conf, p + "add1"));
            assertEquals(List.of(p + "add1"), GraphChecks.inputs(conf, p + "norm2"));
            assertEquals(List.of(p + "norm2"), GraphChecks.inputs(conf, p + "mlp"));
            assertEquals(List.of(p + "mlp", p + "add1"), GraphChecks.inputs(conf, p + "add2"));
            assertTrue(GraphChecks.isA(conf, p + "add1", ElementWiseVertex.class));
            x = p + "add2";
        }
        assertEquals(List.of(x), GraphChecks.inputs(conf, "norm"));
        assertEquals(List.of("norm"), GraphChecks.inputs(conf, "pool"));
        assertEquals(List.of("pool"), GraphChecks.inputs(conf, ModelBuilder.OUTPUT));
        assertEquals(List.of("block0_norm1", "block0_norm2", "block1_norm1", "block1_norm2", "norm"),
                GraphChecks.named(conf, LayerNormalization.class));
    }

    /** The weights DL4J's l2 and AdamW's WEIGHTS_ONLY decay act on: exactly the matrices. */
    @Test
    void matricesAreWeightsEverythingElseIsBias() {
        ComputationGraphConfiguration conf = VisionTransformer.builder(4, 16, 1, 2, 32).inputShape(3, 8, 8)
                .numClasses(5).updater(new Sgd(0.1)).l2(5e-4).conf();
        Set<String> weights = new TreeSet<>();
        Set<String> others = new TreeSet<>();
        for (String name : conf.getVertices().keySet()) {
            Layer layer = GraphChecks.layer(conf, name);
            if (layer == null) {
                continue;
            }
            for (String key : layer.initializer().paramKeys(layer)) {
                boolean weight = layer.initializer().isWeightParam(layer, key);
                (weight ? weights : others).add(name + "_" + key);
                if (weight) {
                    assertEquals(List.of(new L2Regularization(5e-4)), layer.getRegularizationByParam(key), key);
                } else {
                    List<?> reg = layer.getRegularizationByParam(key);
                    assertTrue(reg == null || reg.isEmpty(), name + "_" + key);
                }
            }
        }
        assertEquals(new TreeSet<>(List.of("patch_embed_W", "block0_attn_Wqkv", "block0_attn_Wout", "block0_mlp_W1",
                "block0_mlp_W2", "output_W")), weights);
        assertEquals(new TreeSet<>(List.of("patch_embed_b", "pos_embed_pos", "block0_norm1_gamma",
                "block0_norm1_beta", "block0_attn_bqkv", "block0_attn_bout", "block0_norm2_gamma",
                "block0_norm2_beta", "block0_mlp_b1", "block0_mlp_b2", "norm_gamma", "norm_beta", "output_b")),
                others);
    }

    @Test
    void configurationRoundTripsThroughJsonWithMsamOverAdamW() {
        ComputationGraphConfiguration conf = VisionTransformer.tinyCifar()
                .updater(Msam.builder().base(AdamW.builder().learningRate(1e-3).weightDecay(0.1)
                        .decayScope(DecayScope.WEIGHTS_ONLY).build()).rho(3.0).build())
                .weightInit(WeightInit.RELU)
                .conf();
        String json = conf.toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(json, back.toJson());
        MultiHeadSelfAttention attn = (MultiHeadSelfAttention) GraphChecks.layer(back, "block3_attn");
        assertEquals(4, attn.getHeads());
        assertTrue(attn.getWeightInitFn() instanceof WeightInitRelu);
    }

    @Test
    void modelFileRestoresTheSameNetwork() throws IOException {
        ComputationGraph net = VisionTransformer.builder(4, 16, 1, 2, 32).inputShape(3, 8, 8).numClasses(5)
                .updater(SgdMomentum.builder().learningRate(0.05).momentum(0.9).build()).init();
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 4, 3, 8, 8), GraphChecks.oneHot(4, 5, 3));
        net.fit(batch);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(
                new ByteArrayInputStream(file.toByteArray()), true);
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        INDArray features = Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8);
        assertEquals(net.outputSingle(false, features), restored.outputSingle(false, features));
        // and both keep training identically
        net.fit(batch);
        restored.fit(batch);
        assertEquals(net.params(), restored.params());
    }

    @Test
    void defaultWeightInitIsXavierUniformAndTheBuilderOptionReachesTheSameDiffLayers() {
        assertTrue(((MultiHeadSelfAttention) GraphChecks.layer(
                VisionTransformer.tinyCifar().updater(new Sgd(0.1)).conf(), "block0_attn")).getWeightInitFn()
                instanceof WeightInitXavierUniform);
        assertTrue(((TransformerMlp) GraphChecks.layer(
                VisionTransformer.tinyCifar().weightInit(WeightInit.RELU).updater(new Sgd(0.1)).conf(), "block0_mlp"))
                .getWeightInitFn() instanceof WeightInitRelu);
    }

    @Test
    void initialisation() {
        ComputationGraph net = VisionTransformer.tinyCifar().updater(new Sgd(0.1)).init();
        assertEquals(1.0, net.getParam("block0_norm1_gamma").minNumber().doubleValue(), 0);
        assertEquals(1.0, net.getParam("block0_norm1_gamma").maxNumber().doubleValue(), 0);
        assertEquals(0.0, net.getParam("block0_attn_bqkv").norm2Number().doubleValue(), 0);
        INDArray pos = net.getParam("pos_embed_pos");
        assertArrayEquals(new long[] {64, 128}, pos.shape());
        assertEquals(PositionEmbedding.INIT_STDDEV, pos.stdNumber().doubleValue(), 0.002);
        // Xavier uniform on each [128, 128] block of Wqkv: variance 2 / (128 + 128)
        INDArray wqkv = net.getParam("block0_attn_Wqkv");
        assertArrayEquals(new long[] {128, 384}, wqkv.shape());
        assertEquals(Math.sqrt(2.0 / 256), wqkv.stdNumber().doubleValue(), 0.003);
        assertEquals(Math.sqrt(6.0 / 256), wqkv.amaxNumber().doubleValue(), 0.003);
    }

    @Test
    void sameSeedGivesTheSameInitialParameters() {
        VisionTransformer b = VisionTransformer.builder(4, 16, 1, 2, 32).inputShape(3, 8, 8).updater(new Sgd(0.1));
        INDArray first = b.seed(3).init().params();
        assertEquals(first, b.seed(3).init().params());
        assertNotEquals(first, b.seed(4).init().params());
    }

    @Test
    void rejectsInvalidArchitectures() {
        assertEquals("Invalid ViT width 10 with 3 heads (the width must be a positive multiple of the heads)",
                assertThrows(IllegalArgumentException.class, () -> VisionTransformer.builder(4, 10, 1, 3, 16))
                        .getMessage());
        assertEquals("Invalid ViT patch size: 0 (must be at least 1)",
                assertThrows(IllegalArgumentException.class, () -> VisionTransformer.builder(0, 8, 1, 2, 16))
                        .getMessage());
        assertEquals("Invalid ViT depth: 0 (must be at least 1)",
                assertThrows(IllegalArgumentException.class, () -> VisionTransformer.builder(4, 8, 0, 2, 16))
                        .getMessage());
        assertEquals("Invalid ViT MLP width: 0 (must be at least 1)",
                assertThrows(IllegalArgumentException.class, () -> VisionTransformer.builder(4, 8, 1, 2, 0))
                        .getMessage());
        VisionTransformer odd = VisionTransformer.tinyCifar().inputShape(3, 30, 32).updater(new Sgd(0.1));
        assertEquals("Invalid ViT input 30x32: height and width must be multiples of the patch size 4",
                assertThrows(IllegalArgumentException.class, odd::conf).getMessage());
    }

    @Test
    void registeredNames() {
        List<String> vits = new ArrayList<>();
        for (String name : Models.names()) {
            if (Models.builder(name) instanceof VisionTransformer) {
                vits.add(name);
            }
        }
        assertEquals(List.of("vit-s-32", "vit-s-16", "vit-b-32", "vit-b-16", "vit-tiny-cifar"), vits);
        assertEquals(100, Models.builder("vit-tiny-cifar").numClasses());
        assertEquals(32, Models.builder("VIT-TINY-CIFAR").height());
    }
}
