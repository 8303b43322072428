package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.util.SameDiffUtils;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J's {@link GradientCheckUtil} (central differences in double precision) on each ViT layer, every parameter
 * entry, and on a whole small ViT. Token layers are checked behind a {@link PositionEmbedding}, whose parameter
 * gradient is the sum over the mini-batch of the checked layer's input gradient, so that input gradients are
 * checked too. ND4J runs single-threaded here: these thousands of tiny forward passes are dominated by per-op
 * overhead, which threads waiting for a busy core multiply.
 */
class VitGradientCheckTest {
    private static final int TOKENS = 4;
    private static final int DIM = 4;
    private static final double EPSILON = 1e-6;
    private static final double MAX_REL_ERROR = 1e-5;
    private static final double MIN_ABS_ERROR = 1e-9;

    private static DataType savedDataType;
    private static DataType savedFloatType;
    private static int savedThreads;
    private static int savedBlasThreads;

    @BeforeAll
    static void doublePrecisionOneThread() {
        savedDataType = Nd4j.dataType();
        savedFloatType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        savedThreads = Nd4j.getEnvironment().maxThreads();
        savedBlasThreads = Nd4j.factory().blas().getMaxThreads();
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(savedDataType, savedFloatType);
        Nd4j.getEnvironment().setMaxThreads(savedThreads);
        Nd4j.factory().blas().setMaxThreads(savedBlasThreads);
    }

    static Stream<Arguments> tokenLayers() {
        return Stream.of(
                Arguments.of("LayerNormalization", (Supplier<Layer>) () -> new LayerNormalization(DIM)),
                Arguments.of("MultiHeadSelfAttention", (Supplier<Layer>) () -> new MultiHeadSelfAttention(DIM, 2)),
                Arguments.of("TransformerMlp", (Supplier<Layer>) () -> new TransformerMlp(DIM, 6)),
                Arguments.of("PositionEmbedding", (Supplier<Layer>) () -> new PositionEmbedding(TOKENS, DIM)));
    }

    private static ComputationGraphConfiguration.GraphBuilder graph(InputType input) {
        return new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.DOUBLE)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(input);
    }

    private static boolean check(ComputationGraph net, INDArray features, int classes, Set<String> exclude) {
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, features.size(0), classes);
        for (int i = 0; i < features.size(0); i++) {
            labels.putScalar(i, i % classes, 1.0);
        }
        GradientCheckUtil.GraphConfig config = new GradientCheckUtil.GraphConfig()
                .net(net)
                .inputs(new INDArray[] {features})
                .labels(new INDArray[] {labels})
                .epsilon(EPSILON)
                .maxRelError(MAX_REL_ERROR)
                .minAbsoluteError(MIN_ABS_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                .exitOnFirstError(false)
                .excludeParams(exclude);
        return GradientCheckUtil.checkGradients(config);
    }

    /** Randomises every parameter (biases and LayerNorm gains included), so that none sits at its initial value. */
    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Nd4j.getRandom().setSeed(5);
        net.params().assign(Nd4j.randn(DataType.DOUBLE, net.params().shape()).muli(0.5));
        return net;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenLayers")
    void tokenLayerGradients(String name, Supplier<Layer> layer) {
        ComputationGraphConfiguration conf = graph(InputType.recurrent(DIM, TOKENS, RNNFormat.NWC))
                .addLayer("pos", new PositionEmbedding(TOKENS, DIM), "in")
                .addLayer("layer", layer.get(), "pos")
                .addLayer("pool", new TokenAveragePooling(), "layer")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .build();
        Nd4j.getRandom().setSeed(9);
        assertTrue(check(init(conf), Nd4j.randn(DataType.DOUBLE, 2, TOKENS, DIM), 3, Set.of()), name);
    }

    @Test
    void patchEmbeddingGradients() {
        ComputationGraphConfiguration conf = graph(InputType.convolutional(8, 8, 2))
                .addLayer("patch", new PatchEmbedding(2, 4, DIM), "in")
                .addLayer("pool", new TokenAveragePooling(), "patch")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .build();
        Nd4j.getRandom().setSeed(9);
        assertTrue(check(init(conf), Nd4j.randn(DataType.DOUBLE, 2, 2, 8, 8), 3, Set.of()));
    }

    /**
     * The whole network: 8×8×1 input, patch 4 (4 tokens), D 4, 1 block, 2 heads, MLP 8, 2 classes, 274 parameters.
     * The biases, LayerNorm gains and offsets and the position embedding are checked (their gradients pass through
     * every later layer); the matrices, already checked entry by entry above, are skipped to keep the test short.
     */
    @Test
    void wholeVisionTransformerGradients() {
        ComputationGraphConfiguration conf = VisionTransformer.builder(4, 4, 1, 2, 8).inputShape(1, 8, 8)
                .numClasses(2).updater(new NoOp()).dataType(DataType.DOUBLE).conf();
        Nd4j.getRandom().setSeed(9);
        ComputationGraph net = init(conf);
        assertEquals(274, net.numParams());
        Set<String> matrices = Set.of("patch_embed_W", "block0_attn_Wqkv", "block0_attn_Wout", "block0_mlp_W1",
                "block0_mlp_W2", "output_W");
        assertTrue(net.paramTable().keySet().containsAll(matrices));
        assertTrue(check(net, Nd4j.randn(DataType.DOUBLE, 2, 1, 8, 8), 2, matrices));
    }

    /**
     * The DL4J/ND4J behaviour that {@link VitLayerRuntime} corrects: the gradient function of a graph fed through an
     * {@code ExternalErrorsFunction} adds the external gradient to itself. If this fails after a DL4J upgrade, the
     * correction has become a no-op (it detects the duplicate) and this test can go.
     */
    @Test
    void externalErrorsAreSummedTwiceInThisNd4jVersion() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("input", DataType.DOUBLE, -1, 3);
        SDVariable w = sd.var("w", Nd4j.ones(DataType.DOUBLE, 1, 3));
        SDVariable out = x.mul(w);
        ExternalErrorsFunction fn = SameDiffUtils.externalErrors(sd, null, out);
        fn.outputVariable();
        sd.createGradFunction("input");
        assertEquals(2, VitLayerRuntime.timesSummed(sd.getFunction("grad"), fn.getGradPlaceholderName()));

        Map<String, INDArray> placeholders = new HashMap<>();
        placeholders.put("input", Nd4j.ones(DataType.DOUBLE, 2, 3));
        placeholders.put(fn.getGradPlaceholderName(), Nd4j.ones(DataType.DOUBLE, 2, 3));
        INDArray dw = sd.calculateGradients(placeholders, "w").get("w");
        assertEquals(4.0, dw.getDouble(0, 0), 0.0, "d/dw of sum(x·w) over 2 rows of ones is 2, doubled");
    }
}
