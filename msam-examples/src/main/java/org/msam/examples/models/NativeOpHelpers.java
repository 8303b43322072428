package org.msam.examples.models;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.common.util.ArrayUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Installs DL4J's libnd4j-op layer helpers on a layer instance.
 *
 * <p>DL4J 1.0.0-M2.1 ships helpers that compute a {@code ConvolutionLayer} with libnd4j's {@code conv2d} and
 * {@code conv2d_bp} ops and a {@code BatchNormalization} with {@code batchnorm} and {@code batchnorm_bp}, in place of
 * its own im2col + GEMM and element-wise code. libnd4j runs these ops on oneDNN when the native build has it (the
 * {@code -onednn-avx2} and {@code -onednn-avx512} classifiers of nd4j-native), and on its own loops otherwise. DL4J
 * never uses the helpers on its own: they are off unless the system property
 * {@code org.eclipse.deeplearning4j.helpers.disable} is {@code false}, and even then their availability check
 * ({@code BaseMKLDNNHelper.mklDnnEnabled()}) looks for {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, a class that
 * nd4j-native 1.0.0-M2.1 no longer has, and answers false. The helpers here skip that check; everything else
 * (the op calls, the float-only restriction with the built-in code for other data types, the layer's fallback to
 * its built-in code if an op fails) is DL4J's, except that {@link BatchNorm} computes channels-first float32
 * activations with {@link BatchNormKernel} and leaves only other layouts to libnd4j's ops.
 *
 * <p>The helper field of DL4J's layers is not public (package-private in {@code BatchNormalization}), hence the
 * reflection; it is set once, right after DL4J has built the layer.
 */
final class NativeOpHelpers {
    private NativeOpHelpers() {
    }

    /** DL4J's oneDNN convolution helper without its broken availability check. */
    static final class Convolution extends MKLDNNConvHelper {
        Convolution(DataType dataType) {
            super(dataType);
        }

        @Override
        public boolean checkSupported() {
            return true;
        }
    }

    /**
     * Batch normalisation for DL4J's {@code BatchNormalization} layer: {@link BatchNormKernel} for float32
     * {@code [N, C, H, W]} activations (every batch normalisation of the example models), DL4J's oneDNN helper's
     * libnd4j ops ({@code batchnorm}, {@code batchnorm_bp}) for channels-last activations.
     *
     * <p>Both compute the batch mean μ and the biased batch variance σ² of each channel c over the m = N·H·W values
     * x_i of the mini-batch, σ² = Σ_i (x_i − μ)² / m from the centred input (DL4J's own helper uses libnd4j's
     * one-pass {@code Variance} reduction: the same quantity to float32 rounding, at twice the cost), normalise with
     * them, and hand them to DL4J's layer, which updates its running statistics from them as it does for its own
     * helper. As in PyTorch, the running statistics take the biased variance of the batch (PyTorch's running variance
     * takes the unbiased one; DL4J's layer, unchanged here, keeps a running log10 standard deviation).
     */
    static final class BatchNorm implements BatchNormalizationHelper {
        private static final int[] NCHW_AXES = {0, 2, 3};
        private static final int[] NHWC_AXES = {0, 1, 2};

        private OpContext context;
        private INDArray meanCache;
        private INDArray varCache;

        BatchNorm(DataType dataType) {
        }

        @Override
        public boolean checkSupported() {
            return true;
        }

        @Override
        public boolean checkSupported(double eps, boolean fixedGammaBeta) {
            return !fixedGammaBeta; // the op path needs trained γ and β (DL4J's own condition)
        }

        @Override
        public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                                  INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                                  LayerWorkspaceMgr workspaceMgr) {
            if (x.dataType() != DataType.FLOAT || x.rank() != 4) {
                return null; // DL4J's built-in code
            }
            boolean nchw = format == CNN2DFormat.NCHW;
            if (nchw && BatchNormKernel.supports(x)) {
                INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
                if (training) {
                    allocateCaches(x.dataType(), x.size(1));
                    BatchNormKernel.trainingForward(x, gamma, beta, eps, meanCache, varCache, out);
                } else {
                    BatchNormKernel.inferenceForward(x, mean, var, gamma, beta, eps, out);
                }
                return out;
            }
            int axis = nchw ? 1 : 3;
            if (context == null) {
                context = Nd4j.getExecutioner().buildContext();
                context.setIArguments(ArrayUtil.fromBoolean(gamma != null), ArrayUtil.fromBoolean(beta != null), axis);
                context.setTArguments(eps);
            }
            INDArray m;
            INDArray v;
            if (training) {
                allocateCaches(x.dataType(), x.size(axis));
                int[] axes = format == CNN2DFormat.NCHW ? NCHW_AXES : NHWC_AXES;
                x.mean(meanCache, axes);
                INDArray centred = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, x.dataType(), x.shape(), 'c');
                Nd4j.exec(new BroadcastSubOp(x, meanCache, centred, axis));
                Nd4j.exec(new SquaredNorm(centred, varCache, axes));
                varCache.divi(x.length() / x.size(axis));
                m = meanCache;
                v = varCache;
            } else {
                m = mean.reshape(mean.length());
                v = var.reshape(var.length());
            }
            context.purge();
            context.setInputArray(0, x);
            context.setInputArray(1, m);
            context.setInputArray(2, v);
            if (gamma != null && beta != null) {
                context.setInputArray(3, gamma.rank() == 2 ? gamma.reshape(gamma.length()) : gamma);
                context.setInputArray(4, beta.rank() == 2 ? beta.reshape(beta.length()) : beta);
            }
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
            context.setOutputArray(0, out);
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm(), context);
            return out;
        }

        private void allocateCaches(DataType dataType, long channels) {
            if (meanCache == null || meanCache.length() != channels) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    meanCache = Nd4j.createUninitialized(dataType, channels);
                    varCache = Nd4j.createUninitialized(dataType, channels);
                }
            }
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                         INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                         double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            if (input.dataType() != DataType.FLOAT || input.rank() != 4 || meanCache == null) {
                return null; // DL4J's built-in code
            }
            if (!Shape.hasDefaultStridesForShape(epsilon)) {
                epsilon = epsilon.dup('c'); // batchnorm_bp needs the default strides (DL4J's workaround too)
            }
            if (format == CNN2DFormat.NCHW && BatchNormKernel.supports(input, epsilon)) {
                INDArray atInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
                BatchNormKernel.backward(input, epsilon, meanCache, varCache, gamma, eps, atInput, dGammaView, dBetaView);
                Gradient g = new DefaultGradient();
                g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
                g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
                return new Pair<>(g, atInput);
            }
            int axis = format == CNN2DFormat.NCHW ? 1 : 3;
            List<INDArray> inputs = new ArrayList<>(List.of(input, meanCache, varCache));
            if (gamma != null) {
                inputs.add(gamma.reshape(gamma.length()));
            }
            if (beta != null) {
                inputs.add(beta.reshape(beta.length()));
            }
            inputs.add(epsilon);
            DynamicCustomOp op = DynamicCustomOp.builder("batchnorm_bp")
                    .addInputs(inputs.toArray(new INDArray[0]))
                    .addIntegerArguments(gamma == null ? 0 : 1, beta == null ? 0 : 1, axis)
                    .addFloatingPointArguments(eps)
                    .build();
            INDArray atInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape());
            op.setOutputArgument(0, atInput);
            op.setOutputArgument(1, workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, meanCache.dataType(), meanCache.shape()));
            op.setOutputArgument(2, workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, meanCache.dataType(), meanCache.shape()));
            if (dGammaView != null) {
                op.setOutputArgument(3, dGammaView.reshape(dGammaView.length()));
                op.setOutputArgument(4, dBetaView.reshape(dBetaView.length()));
            }
            Nd4j.exec(op);
            Gradient g = new DefaultGradient();
            g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
            g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
            return new Pair<>(g, atInput);
        }

        @Override
        public INDArray getMeanCache(DataType dataType) {
            return meanCache;
        }

        @Override
        public INDArray getVarCache(DataType dataType) {
            return varCache;
        }

        @Override
        public Map<String, Long> helperMemoryUse() {
            return Collections.emptyMap();
        }
    }

    /**
     * Sets the layer's {@code helper} field.
     *
     * @param layer  a layer DL4J has just built
     * @param helper the helper to compute it with
     * @return the layer
     * @throws IllegalStateException if the layer class has no {@code helper} field of the helper's type (a DL4J
     *                               version other than 1.0.0-M2.1)
     */
    static Layer install(Layer layer, LayerHelper helper) {
        for (Class<?> c = layer.getClass(); c != null; c = c.getSuperclass()) {
            Field f;
            try {
                f = c.getDeclaredField("helper");
            } catch (NoSuchFieldException e) {
                continue;
            }
            if (!f.getType().isInstance(helper)) {
                break;
            }
            try {
                f.setAccessible(true);
                f.set(layer, helper);
                return layer;
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("Cannot set the layer helper of " + layer.getClass().getName(), e);
            }
        }
        throw new IllegalStateException(layer.getClass().getName() + " has no layer helper field that takes a "
                + helper.getClass().getSimpleName() + " helper (these layers need DL4J 1.0.0-M2.1)");
    }
}
