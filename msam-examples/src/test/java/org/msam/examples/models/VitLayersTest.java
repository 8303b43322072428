package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.msam.examples.models.VitReference.matrix;
import static org.msam.examples.models.VitReference.vector;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Every layer of a small ViT (double precision, 2 blocks, a non-square image, random values in every parameter,
 * biases and LayerNorm gains included) against {@link VitReference}: each vertex's activation is recomputed in
 * plain Java from the activation of its input vertex, and the whole network from the image.
 */
class VitLayersTest {
    private static final int CHANNELS = 2;
    private static final int HEIGHT = 8;
    private static final int WIDTH = 12;
    private static final int PATCH = 4;
    private static final int DIM = 8;
    private static final int HEADS = 2;
    private static final int MLP = 12;
    private static final int DEPTH = 2;
    private static final int CLASSES = 3;
    private static final double TOLERANCE = 1e-10;

    private static ComputationGraph net;
    private static INDArray images;
    private static Map<String, INDArray> acts;

    @BeforeAll
    static void forwardOnce() {
        net = VisionTransformer.builder(PATCH, DIM, DEPTH, HEADS, MLP).inputShape(CHANNELS, HEIGHT, WIDTH)
                .numClasses(CLASSES).updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(7).init();
        Nd4j.getRandom().setSeed(11);
        net.params().assign(Nd4j.randn(DataType.DOUBLE, net.params().shape()).muli(0.5));
        images = Nd4j.randn(DataType.DOUBLE, 2, CHANNELS, HEIGHT, WIDTH);
        acts = net.feedForward(images, false);
    }

    private static INDArray p(String layer, String param) {
        return net.getLayer(layer).getParam(param);
    }

    private static void assertTokens(double[][] expected, INDArray actual, int n, String what) {
        double[][] got = VitReference.tokens(actual, n);
        assertEquals(expected.length, got.length, what + ": tokens");
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t].length, got[t].length, what + ": features");
            for (int d = 0; d < expected[t].length; d++) {
                assertEquals(expected[t][d], got[t][d], TOLERANCE * (1 + Math.abs(expected[t][d])),
                        what + " [" + n + ", " + t + ", " + d + "]");
            }
        }
    }

    private static double[][] layerNorm(String layer, double[][] x) {
        return VitReference.layerNorm(x, vector(p(layer, LayerNormalization.GAIN)),
                vector(p(layer, LayerNormalization.OFFSET)), LayerNormalization.DEFAULT_EPSILON);
    }

    private static double[][] attention(String layer, double[][] x) {
        return VitReference.attention(x, HEADS, matrix(p(layer, MultiHeadSelfAttention.QKV_WEIGHT)),
                vector(p(layer, MultiHeadSelfAttention.QKV_BIAS)), matrix(p(layer, MultiHeadSelfAttention.OUT_WEIGHT)),
                vector(p(layer, MultiHeadSelfAttention.OUT_BIAS)));
    }

    private static double[][] mlp(String layer, double[][] x) {
        return VitReference.mlp(x, matrix(p(layer, TransformerMlp.W1)), vector(p(layer, TransformerMlp.B1)),
                matrix(p(layer, TransformerMlp.W2)), vector(p(layer, TransformerMlp.B2)));
    }

    private static double[][] patchEmbedding(int n) {
        return VitReference.patchEmbedding(VitReference.image(images, n), PATCH,
                matrix(p("patch_embed", PatchEmbedding.WEIGHT)), vector(p("patch_embed", PatchEmbedding.BIAS)));
    }

    private static double[][] positions() {
        return matrix(p("pos_embed", PositionEmbedding.POSITIONS));
    }

    @Test
    void patchEmbeddingCutsRowMajorPatchesAndProjectsThem() {
        for (int n = 0; n < 2; n++) {
            assertTokens(patchEmbedding(n), acts.get("patch_embed"), n, "patch_embed");
        }
        assertEquals(DIM, acts.get("patch_embed").size(2));
        assertEquals((HEIGHT / PATCH) * (WIDTH / PATCH), acts.get("patch_embed").size(1));
    }

    @Test
    void positionEmbeddingIsAddedToEveryExample() {
        for (int n = 0; n < 2; n++) {
            double[][] in = VitReference.tokens(acts.get("patch_embed"), n);
            assertTokens(VitReference.add(in, positions()), acts.get("pos_embed"), n, "pos_embed");
        }
    }

    @Test
    void layerNormsMatchPyTorchLayerNorm() {
        for (int n = 0; n < 2; n++) {
            for (int b = 0; b < DEPTH; b++) {
                String in = b == 0 ? "pos_embed" : "block" + (b - 1) + "_add2";
                String norm1 = "block" + b + "_norm1";
                assertTokens(layerNorm(norm1, VitReference.tokens(acts.get(in), n)), acts.get(norm1), n, norm1);
                String norm2 = "block" + b + "_norm2";
                assertTokens(layerNorm(norm2, VitReference.tokens(acts.get("block" + b + "_add1"), n)),
                        acts.get(norm2), n, norm2);
            }
            assertTokens(layerNorm("norm", VitReference.tokens(acts.get("block" + (DEPTH - 1) + "_add2"), n)),
                    acts.get("norm"), n, "norm");
        }
    }

    @Test
    void attentionMatchesMultiHeadScaledDotProductAttention() {
        for (int n = 0; n < 2; n++) {
            for (int b = 0; b < DEPTH; b++) {
                String attn = "block" + b + "_attn";
                double[][] in = VitReference.tokens(acts.get("block" + b + "_norm1"), n);
                assertTokens(attention(attn, in), acts.get(attn), n, attn);
            }
        }
    }

    @Test
    void mlpMatchesLinearGeluLinear() {
        for (int n = 0; n < 2; n++) {
            for (int b = 0; b < DEPTH; b++) {
                String mlp = "block" + b + "_mlp";
                double[][] in = VitReference.tokens(acts.get("block" + b + "_norm2"), n);
                assertTokens(mlp(mlp, in), acts.get(mlp), n, mlp);
            }
        }
    }

    @Test
    void wholeNetworkMatchesThePlainJavaViT() {
        INDArray out = net.outputSingle(false, images);
        for (int n = 0; n < 2; n++) {
            double[][] x = VitReference.add(patchEmbedding(n), positions());
            for (int b = 0; b < DEPTH; b++) {
                String p = "block" + b + "_";
                x = VitReference.add(x, attention(p + "attn", layerNorm(p + "norm1", x)));
                x = VitReference.add(x, mlp(p + "mlp", layerNorm(p + "norm2", x)));
            }
            double[] pooled = VitReference.meanOverTokens(layerNorm("norm", x));
            double[] pooledNet = vector(acts.get("pool").slice(n));
            for (int d = 0; d < DIM; d++) {
                assertEquals(pooled[d], pooledNet[d], TOLERANCE * (1 + Math.abs(pooled[d])), "pool " + d);
            }
            double[] probs = VitReference.softmax(VitReference.affine(pooled,
                    matrix(p(ModelBuilder.OUTPUT, "W")), vector(p(ModelBuilder.OUTPUT, "b"))));
            for (int k = 0; k < CLASSES; k++) {
                assertEquals(probs[k], out.getDouble(n, k), TOLERANCE, "output " + k);
            }
        }
    }

    @Test
    void geluReferenceIsTheErfForm() {
        // 0.5·x·erfc(−x/√2) from Python's math.erfc
        assertEquals(0.8413447460685429, VitReference.gelu(1), 1e-13);
        assertEquals(-0.10021080190328713, VitReference.gelu(-1.5), 1e-13);
        assertEquals(-0.00012668496733247986, VitReference.gelu(-4), 1e-14);
    }

    @Test
    void layersRejectInvalidSizes() {
        assertEquals("Invalid LayerNorm size: 0 (must be positive)",
                assertThrows(IllegalArgumentException.class, () -> new LayerNormalization(0)).getMessage());
        assertEquals("Invalid LayerNorm epsilon: 0.0 (must be finite and > 0)",
                assertThrows(IllegalArgumentException.class, () -> new LayerNormalization(4, 0)).getMessage());
        assertEquals("Invalid attention: size 10 and 3 heads (size must be a positive multiple of heads)",
                assertThrows(IllegalArgumentException.class, () -> new MultiHeadSelfAttention(10, 3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TransformerMlp(8, 0));
        assertThrows(IllegalArgumentException.class, () -> new PositionEmbedding(0, 8));
        assertThrows(IllegalArgumentException.class, () -> new PatchEmbedding(3, 0, 8));
    }

    @Test
    void everyCustomLayerRunsOnTheCorrectedRuntime() {
        for (Layer layer : net.getLayers()) {
            if (!ModelBuilder.OUTPUT.equals(layer.conf().getLayer().getLayerName())) {
                assertEquals(VitLayerRuntime.class, layer.getClass(), layer.conf().getLayer().getLayerName());
            }
        }
    }
}
