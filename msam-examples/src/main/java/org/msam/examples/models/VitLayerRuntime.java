package org.msam.examples.models;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's SameDiff layer runtime with exact gradients.
 *
 * <p>In DL4J 1.0.0-M2.1 a SameDiff layer back-propagates twice the gradient it receives: the layer feeds the
 * incoming gradient to SameDiff through an {@code ExternalErrorsFunction}, whose {@code doDiff} both registers the
 * gradient placeholder as the output's gradient and returns it, and SameDiff's gradient construction then adds the
 * two ({@code add(out-grad, out-grad)}). Every parameter gradient of such a layer, and the gradient it passes
 * down, is therefore doubled, and the doubling compounds through a stack of SameDiff layers.
 *
 * <p>This runtime builds the gradient function as DL4J does, counts how many times the gradient placeholder enters
 * the one op that sums it with itself (2 in M2.1, none if ND4J's behaviour changes) and divides the incoming
 * gradient by that count, so that the layer's gradients are exact; gradient checks of every ViT layer confirm it.
 * Everything else (forward pass, workspaces, parameter and gradient views) is DL4J's.
 */
final class VitLayerRuntime extends SameDiffLayer {
    private static final Object STDOUT_LOCK = new Object();

    private double externalGradientScale = Double.NaN;

    VitLayerRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (Double.isNaN(externalGradientScale)) {
            prepareGradientFunction();
            externalGradientScale = 1.0 / timesSummed(sameDiff.getFunction("grad"), fn.getGradPlaceholderName());
        }
        INDArray scaled = externalGradientScale == 1.0 ? epsilon : epsilon.mul(externalGradientScale);
        return super.backpropGradient(scaled, workspaceMgr);
    }

    /** What DL4J's {@code backpropGradient} does first, outside any workspace: the graph and its gradient function. */
    @SuppressWarnings("try")
    private void prepareGradientFunction() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sameDiff == null) {
                doInit();
            }
            if (!sameDiff.hasGradientFunction()) {
                createGradFunctionQuietly();
            }
        }
    }

    /**
     * Builds the gradient function with standard output muted: ND4J M2.1 prints one line per differentiated op
     * ("Added differentiated op …") to {@code System.out}, about 30 lines per layer on the first training step.
     */
    private void createGradFunctionQuietly() {
        synchronized (STDOUT_LOCK) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sameDiff.createGradFunction(INPUT_KEY);
            } finally {
                System.setOut(out);
            }
        }
    }

    /** How many times the gradient function adds {@code gradient} to itself: 1 when it does not. */
    static int timesSummed(SameDiff gradFunction, String gradient) {
        for (SameDiffOp op : gradFunction.getOps().values()) {
            List<String> inputs = op.getInputsToOp();
            if (op.getOp() instanceof AddOp && inputs != null && inputs.size() > 1
                    && inputs.stream().allMatch(gradient::equals)) {
                return inputs.size();
            }
        }
        return 1;
    }
}
