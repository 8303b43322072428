package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.SharpnessAware;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The native-op layers ({@link OpConvolutionLayer}, {@link OpBatchNormalization}) against DL4J's built-in
 * {@link ConvolutionLayer} and {@link BatchNormalization}: same parameters, same outputs, gradients and running
 * statistics to float32 rounding, and models saved with the built-in layers still load.
 */
class NativeOpLayersTest {

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("WRN-16-1", (Supplier<ModelBuilder<?>>) () -> WideResNet.wrn16x1().numClasses(10), 3, 32),
                Arguments.of("small CNN n=2", (Supplier<ModelBuilder<?>>) () -> SmallCnn.builder().convsPerStage(2).dropRate(0), 1, 28),
                Arguments.of("ResNet-18", (Supplier<ModelBuilder<?>>) () -> ResNetCifar.resnet18().numClasses(10)
                        .inputShape(3, 16, 16), 3, 16));
    }

    static Stream<Arguments> smallModels() {
        return models().limit(2);
    }

    private static ComputationGraph build(Supplier<ModelBuilder<?>> model, boolean nativeOps) {
        return model.get().updater(new Sgd(0.1)).seed(7).nativeOps(nativeOps).init();
    }

    private static DataSet batch(int mb, int channels, int size, int classes) {
        Nd4j.getRandom().setSeed(42);
        return new DataSet(Nd4j.randn(DataType.FLOAT, mb, channels, size, size), GraphChecks.oneHot(mb, classes, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sameParametersInTheSameLayout(String name, Supplier<ModelBuilder<?>> model, int c, int size) {
        ComputationGraph builtIn = build(model, false);
        ComputationGraph nativeOps = build(model, true);
        assertEquals(builtIn.numParams(), nativeOps.numParams());
        assertEquals(builtIn.params(), nativeOps.params()); // same seed, same initialisation, same order
        List<String> layout = new ArrayList<>();
        List<String> nativeLayout = new ArrayList<>();
        builtIn.paramTable().forEach((k, v) -> layout.add(k + Arrays.toString(v.shape())));
        nativeOps.paramTable().forEach((k, v) -> nativeLayout.add(k + Arrays.toString(v.shape())));
        assertEquals(layout, nativeLayout);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyConvolutionAndBatchNormalizationRunsOnTheOps(String name, Supplier<ModelBuilder<?>> model, int c, int size) {
        ComputationGraph net = build(model, true);
        int convs = 0;
        int bns = 0;
        for (Layer l : net.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
                assertInstanceOf(NativeOpHelpers.Convolution.class,
                        ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) l).getHelper(), l.conf().getLayer().getLayerName());
                convs++;
            } else if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                assertInstanceOf(NativeOpHelpers.BatchNorm.class,
                        ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) l).getHelper(), l.conf().getLayer().getLayerName());
                bns++;
            }
        }
        ComputationGraphConfiguration conf = net.getConfiguration();
        assertEquals(GraphChecks.named(conf, ConvolutionLayer.class).size(), convs);
        assertEquals(GraphChecks.named(conf, OpConvolutionLayer.class).size(), convs);
        assertEquals(GraphChecks.named(conf, OpBatchNormalization.class).size(), bns);
        assertTrue(convs > 0 && bns > 0);
    }

    /** Kernel, stride, input side, input channels, output channels (all with {@code Same} padding, as the models). */
    static Stream<Arguments> convolutions() {
        return Stream.of(Arguments.of(3, 1, 32, 3, 16), Arguments.of(3, 1, 32, 16, 16), Arguments.of(3, 2, 32, 16, 32),
                Arguments.of(1, 2, 32, 16, 32), Arguments.of(3, 1, 8, 64, 64), Arguments.of(3, 2, 15, 8, 8));
    }

    @ParameterizedTest(name = "{0}x{0} stride {1}, {2}x{2}, {3}->{4}")
    @MethodSource("convolutions")
    void convolutionMatchesDl4jsLayer(int kernel, int stride, int side, int in, int out) {
        ConvolutionLayer.Builder conv = new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nIn(in).nOut(out)
                .hasBias(false).activation(Activation.IDENTITY);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, in, side, side);
        List<INDArray> builtIn = forwardBackward(conv.build(), x);
        List<INDArray> nativeOps = forwardBackward(new OpConvolutionLayer(conv), x);
        assertClose(builtIn.get(0), nativeOps.get(0), 1e-5); // output
        assertClose(builtIn.get(1), nativeOps.get(1), 1e-5); // gradient at the input
        assertClose(builtIn.get(3), nativeOps.get(3), 1e-5); // output at inference
        assertClose(builtIn.get(2), nativeOps.get(2), 1e-5); // kernel gradient
    }

    /**
     * Mini-batch, channels, side, scale and offset of the input: the example models' sizes, and inputs far from zero
     * mean, where the batch variance is the difference of large numbers if it is not computed from centred values.
     */
    static Stream<Arguments> batchNormalizations() {
        return Stream.of(Arguments.of(4, 16, 8, 3.0, 1.0), Arguments.of(16, 16, 32, 1.0, 0.0), Arguments.of(16, 64, 8, 0.5, 2.0),
                Arguments.of(3, 8, 15, 2.0, 20.0), Arguments.of(4, 4, 2, 1.0, 0.5));
    }

    @ParameterizedTest(name = "{0}x{1}x{2}x{2}, scale {3}, offset {4}")
    @MethodSource("batchNormalizations")
    void batchNormalizationMatchesDl4jsLayer(int mb, int channels, int side, double scale, double offset) {
        Nd4j.getRandom().setSeed(13);
        INDArray x = Nd4j.randn(DataType.FLOAT, mb, channels, side, side).muli(scale).addi(offset);
        List<INDArray> builtIn = forwardBackward(new BatchNormalization.Builder().nOut(channels).build(), x);
        List<INDArray> nativeOps = forwardBackward(new OpBatchNormalization(), x);
        assertClose(builtIn.get(0), nativeOps.get(0), 1e-5); // output with the batch statistics
        assertClose(builtIn.get(1), nativeOps.get(1), 1e-5); // gradient at the input
        assertClose(builtIn.get(3), nativeOps.get(3), 1e-5); // output at inference, with the running statistics
        // γ and β gradients, then the running mean and log10-std updates
        assertClose(builtIn.get(2), nativeOps.get(2), 1e-5);
        assertTrue(nativeOps.get(2).get(NDArrayIndex.point(0), NDArrayIndex.interval(2L * channels, 4L * channels))
                .amaxNumber().doubleValue() > 0);
    }

    /** The batch mean and variance of a training pass against their definitions, in double precision. */
    @Test
    void batchStatisticsAreTheBiasedMomentsOfEachChannel() {
        Nd4j.getRandom().setSeed(17);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 6, 7, 7).muli(2).addi(10);
        NativeOpHelpers.BatchNorm helper = new NativeOpHelpers.BatchNorm(DataType.FLOAT);
        INDArray gamma = Nd4j.ones(DataType.FLOAT, 6);
        INDArray beta = Nd4j.zeros(DataType.FLOAT, 6);
        helper.preOutput(x, true, x.shape(), gamma, beta, null, null, 0.9, 1e-5,
                org.deeplearning4j.nn.conf.CNN2DFormat.NCHW, LayerWorkspaceMgr.noWorkspaces());
        double[] v = x.castTo(DataType.DOUBLE).data().asDouble();
        for (int c = 0; c < 6; c++) {
            double sum = 0;
            double sumSq = 0;
            int m = 0;
            for (int n = 0; n < 5; n++) {
                for (int i = 0; i < 49; i++) {
                    sum += v[(n * 6 + c) * 49 + i];
                    m++;
                }
            }
            double mean = sum / m;
            for (int n = 0; n < 5; n++) {
                for (int i = 0; i < 49; i++) {
                    double d = v[(n * 6 + c) * 49 + i] - mean;
                    sumSq += d * d;
                }
            }
            assertEquals(mean, helper.getMeanCache(DataType.FLOAT).getDouble(c), 1e-6 * Math.abs(mean));
            assertEquals(sumSq / m, helper.getVarCache(DataType.FLOAT).getDouble(c), 1e-5 * sumSq / m);
        }
    }

    /**
     * One training forward and backward pass of a single layer with a fixed upstream gradient.
     *
     * @return output, gradient at the input, flattened parameter gradient, output at inference (before the training
     *         pass)
     */
    private static List<INDArray> forwardBackward(org.deeplearning4j.nn.conf.layers.Layer layerConf, INDArray x) {
        if (layerConf instanceof OpBatchNormalization) {
            ((OpBatchNormalization) layerConf).setNIn(x.size(1));
            ((OpBatchNormalization) layerConf).setNOut(x.size(1));
        }
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .convolutionMode(ConvolutionMode.Same).layer(layerConf).build();
        long n = conf.getLayer().initializer().numParams(conf);
        INDArray params = Nd4j.create(DataType.FLOAT, 1, n);
        Layer layer = conf.getLayer().instantiate(conf, Collections.emptyList(), 0, params, true, DataType.FLOAT);
        if (layerConf instanceof BatchNormalization) {
            Nd4j.getRandom().setSeed(5);
            params.assign(Nd4j.rand(DataType.FLOAT, 1, n)); // γ, β and running statistics away from 1 and 0
        }
        INDArray gradients = Nd4j.create(DataType.FLOAT, 1, n);
        layer.setBackpropGradientsViewArray(gradients);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray atInference = layer.activate(x, false, noWorkspaces).dup();
        INDArray out = layer.activate(x, true, noWorkspaces).dup();
        Nd4j.getRandom().setSeed(11);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, out.shape());
        INDArray atInput = layer.backpropGradient(epsilon, noWorkspaces).getSecond().dup();
        return List.of(out, atInput, gradients.dup(), atInference);
    }

    /**
     * Whole models: the same output and loss to float32 rounding. The gradients agree to 1e-2 of their largest element
     * rather than to rounding (measured: below 1e-3): a rounding-size difference before a ReLU flips the odd activation
     * that sits within rounding of 0, which moves the gradients of everything before it by that activation's share;
     * the single layers above agree to rounding. A wrong padding, stride or weight layout would be off by the order of
     * the gradient itself. DL4J's built-in layers in float64 with the same parameters are the reference. Not
     * ResNet-18 here: at a test-sized 16×16 input its last stage normalises 16 values per channel, and the flips
     * decide the result (DL4J's own float32 layers then miss the float64 gradient by up to 1 % too).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("smallModels")
    void sameOutputsLossAndGradients(String name, Supplier<ModelBuilder<?>> model, int c, int size) {
        ComputationGraph builtIn = build(model, false);
        ComputationGraph nativeOps = build(model, true);
        ComputationGraph reference = model.get().updater(new Sgd(0.1)).seed(7).nativeOps(false).dataType(DataType.DOUBLE).init();
        reference.setParams(builtIn.params().castTo(DataType.DOUBLE));
        int classes = (int) builtIn.getOutputLayer(0).getParam("b").length();
        DataSet data = batch(4, c, size, classes);
        DataSet data64 = new DataSet(data.getFeatures().castTo(DataType.DOUBLE), data.getLabels().castTo(DataType.DOUBLE));

        INDArray out = reference.outputSingle(false, data64.getFeatures());
        assertClose(out, builtIn.outputSingle(false, data.getFeatures()), 1e-5);
        assertClose(out, nativeOps.outputSingle(false, data.getFeatures()), 1e-5);

        INDArray gradient = gradient(reference, data64);
        double score = reference.score();
        assertClose(gradient, gradient(builtIn, data), 1e-2);
        assertClose(gradient, gradient(nativeOps, data), 1e-2);
        assertEquals(score, builtIn.score(), 1e-5 * score);
        assertEquals(score, nativeOps.score(), 1e-5 * score);

        // one SGD step each, then the same parameters (running statistics included)
        reference.fit(data64);
        nativeOps.fit(data);
        assertClose(reference.params(), nativeOps.params(), 1e-3);
    }

    static Stream<Arguments> sharpnessAwareOptimizers() {
        Supplier<SgdMomentum> sgd = () -> SgdMomentum.builder().learningRate(0.05).momentum(0.9).build();
        return Stream.of(
                Arguments.of("SAM", (Supplier<IUpdater>) () -> Sam.builder().base(sgd.get()).rho(0.05).build()),
                Arguments.of("MSAM", (Supplier<IUpdater>) () -> Msam.builder().base(sgd.get()).rho(0.3).build()));
    }

    /**
     * SAM (a second forward and backward pass at the perturbed weights, the batch-normalisation statistics taken at θ)
     * and MSAM (every pass at θ̃) through the driver: three steps on the native-op layers end where three steps on
     * DL4J's own layers do, running statistics included, to float32 tolerance, and the network holds θ after them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sharpnessAwareOptimizers")
    void sharpnessAwareStepsMatchTheBuiltInLayers(String name, Supplier<IUpdater> updater) {
        Supplier<ModelBuilder<?>> cnn = () -> SmallCnn.builder().convsPerStage(2).dropRate(0);
        ComputationGraph builtIn = cnn.get().updater(updater.get()).seed(7).nativeOps(false).init();
        ComputationGraph nativeOps = cnn.get().updater(updater.get()).seed(7).nativeOps(true).init();
        SharpnessAware.install(builtIn);
        SharpnessAware.install(nativeOps);
        INDArray initial = nativeOps.params().dup();
        int classes = (int) builtIn.getOutputLayer(0).getParam("b").length();
        DataSet data = batch(8, 1, 28, classes);
        for (int i = 0; i < 3; i++) {
            builtIn.fit(data);
            nativeOps.fit(data);
        }
        assertFalse(SharpnessAware.isPerturbed(nativeOps), name);
        assertTrue(nativeOps.params().sub(initial).amaxNumber().doubleValue() > 1e-3, name + ": the parameters moved");
        assertClose(builtIn.params(), nativeOps.params(), 1e-4);
    }

    private static INDArray gradient(ComputationGraph net, DataSet data) {
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        return net.gradient().gradient().castTo(DataType.DOUBLE);
    }

    @Test
    void modelsSavedWithTheBuiltInLayersStillLoadAndComputeTheSame(@TempDir Path dir) throws Exception {
        Supplier<ModelBuilder<?>> wrn = () -> WideResNet.wrn16x1().numClasses(10);
        ComputationGraph old = build(wrn, false);
        DataSet data = batch(4, 3, 32, 10);
        old.fit(data); // updater state and running statistics that are not the initial ones
        File file = dir.resolve("wrn.zip").toFile();
        ModelSerializer.writeModel(old, file, true);

        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(old.params(), restored.params());
        assertEquals(old.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());

        ComputationGraph nativeOps = build(wrn, true);
        nativeOps.setParams(restored.params());
        assertClose(restored.outputSingle(false, data.getFeatures()), nativeOps.outputSingle(false, data.getFeatures()), 1e-5);
    }

    @Test
    void theNativeLayersSurviveJsonAsParallelWrapperRebuildsWorkers() {
        ComputationGraphConfiguration conf = WideResNet.wrn16x1().updater(new Sgd(0.1)).conf();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertEquals(GraphChecks.named(conf, OpConvolutionLayer.class), GraphChecks.named(back, OpConvolutionLayer.class));
        assertEquals(GraphChecks.named(conf, OpBatchNormalization.class), GraphChecks.named(back, OpBatchNormalization.class));
        ComputationGraph net = new ComputationGraph(back);
        net.init();
        assertInstanceOf(NativeOpHelpers.Convolution.class,
                ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer("conv1")).getHelper());
    }

    /** Element-wise |a − b| ≤ tolerance · max|a|, with the worst element in the message. */
    private static void assertClose(INDArray expected, INDArray actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape());
        double scale = expected.amaxNumber().doubleValue();
        double worst = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(worst <= tolerance * scale, "max |difference| " + worst + " > " + tolerance + " × " + scale);
    }
}
