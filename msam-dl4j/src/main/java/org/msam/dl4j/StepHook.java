package org.msam.dl4j;

import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.IndexedTail;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The driver's hook into every optimizer step of a MultiLayerNetwork or ComputationGraph: DL4J's
 * {@code StochasticGradientDescent.optimize} asks the solver's {@link GradientsAccumulator} {@link #hasAnything()}
 * before the step's forward pass and hands it the step ({@link #applyUpdate(StepFunction, INDArray, INDArray,
 * boolean)}) after the updater, for every {@code fit(DataSet)}, {@code fit(INDArray, INDArray)}, {@code
 * fit(iterator)} step and every truncated-BPTT segment. So the driver moves the network to the weights the step's
 * gradient is taken at (MSAM: θ̃ = θ − c·v) just before the pass, and the step itself lands on θ: outside a step the
 * network always holds the true weights θ.
 *
 * <p>An accumulator that was already set (ParallelWrapper's SHARED_GRADIENTS mode, dl4j-spark's shared training)
 * is wrapped: every call is delegated to it, and it takes the step (it may add other workers' updates).
 *
 * <p>With gradient accumulation ({@link Accumulation}), a micro-batch that does not end its window is neither stepped
 * nor handed to the wrapped accumulator: only the window's step is.
 */
final class StepHook implements GradientsAccumulator {
    private static final long serialVersionUID = 1L;

    private final transient SharpnessAwareListener driver;
    private final transient org.deeplearning4j.nn.api.Model model;
    private final GradientsAccumulator inner;

    /**
     * @param driver the network's driver
     * @param model  the network
     * @param inner  the accumulator that was set before, or null
     */
    StepHook(SharpnessAwareListener driver, org.deeplearning4j.nn.api.Model model, GradientsAccumulator inner) {
        this.driver = driver;
        this.model = model;
        this.inner = inner;
    }

    /** @return the accumulator this hook delegates to, or null */
    GradientsAccumulator inner() {
        return inner;
    }

    /** @return true when this hook belongs to {@code d} on {@code m} */
    boolean belongsTo(SharpnessAwareListener d, org.deeplearning4j.nn.api.Model m) {
        return driver == d && model == m;
    }

    /** Before the step's forward pass: the driver moves the network to the weights the gradient is taken at. */
    @Override
    public boolean hasAnything() {
        boolean external = inner != null && inner.hasAnything();
        driver.beforeForward(model);
        return external;
    }

    /**
     * The step: applied (by the wrapped accumulator, if any), unless the driver holds the micro-batch back in its
     * gradient-accumulation window.
     */
    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, boolean isFinalStep) {
        try {
            if (isFinalStep && driver.holdsBackStep()) {
                return;
            }
            if (inner != null) {
                inner.applyUpdate(function, params, updates, isFinalStep);
            } else {
                function.step(params, updates);
            }
        } finally {
            if (isFinalStep) {
                driver.afterStepApplied(model);
            }
        }
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, double alpha) {
        if (inner != null) {
            inner.applyUpdate(function, params, updates, alpha);
        } else {
            function.step(params, updates, alpha);
        }
    }

    @Override
    public void storeUpdate(INDArray array, int iterationNumber, int epochNumber) {
        if (inner != null && !driver.holdsBackStep()) {
            inner.storeUpdate(array, iterationNumber, epochNumber);
        }
    }

    @Override
    public void receiveUpdate(INDArray array) {
        if (inner != null) {
            inner.receiveUpdate(array);
        }
    }

    @Override
    public void markExternalUpdates(boolean updatesAvailable) {
        if (inner != null) {
            inner.markExternalUpdates(updatesAvailable);
        }
    }

    @Override
    public void setExternalSource(IndexedTail source) {
        if (inner != null) {
            inner.setExternalSource(source);
        }
    }

    @Override
    public IndexedTail getExternalSource() {
        return inner == null ? null : inner.getExternalSource();
    }

    @Override
    public void reset() {
        if (inner != null) {
            inner.reset();
        }
    }

    @Override
    public void touch() {
        if (inner != null) {
            inner.touch();
        }
    }
}
