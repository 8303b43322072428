package org.msam.examples.models;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.nd4j.linalg.api.buffer.DataType;

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
 * nd4j-native 1.0.0-M2.1 no longer has, and answers false. The subclasses here skip that check; everything else
 * (the op calls, the float-only restriction with the built-in code for other data types, the layer's fallback to
 * its built-in code if an op fails) is DL4J's.
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

    /** DL4J's oneDNN batch-normalisation helper without its broken availability check. */
    static final class BatchNorm extends MKLDNNBatchNormHelper {
        BatchNorm(DataType dataType) {
            super(dataType);
        }

        @Override
        public boolean checkSupported() {
            return true;
        }

        @Override
        public boolean checkSupported(double eps, boolean fixedGammaBeta) {
            return !fixedGammaBeta; // the op path needs trained γ and β (DL4J's own condition)
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
        throw new IllegalStateException(layer.getClass().getName() + " has no layer helper field of type "
                + helper.getClass().getSuperclass().getName() + " (these layers need DL4J 1.0.0-M2.1)");
    }
}
