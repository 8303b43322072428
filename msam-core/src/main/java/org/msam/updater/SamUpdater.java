package org.msam.updater;

import java.util.List;
import java.util.Map;

import org.msam.config.Sam;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link Sam}: the base optimizer's step on the gradient of the second pass.
 * The two forward/backward passes are run by msam-dl4j's listener; this updater refuses to run for an
 * iteration the listener did not prepare, so a model never trains silently as its base optimizer.
 */
public final class SamUpdater implements GradientUpdater<Sam>, ParameterBoundUpdater {
    private final Sam config;
    private final GradientUpdater<?> base;
    private int armedIteration = Integer.MIN_VALUE;

    /**
     * @param config the configuration
     * @param base   the base optimizer's updater
     */
    public SamUpdater(Sam config, GradientUpdater<?> base) {
        this.config = config;
        this.base = base;
    }

    @Override
    public Sam getConfig() {
        return config;
    }

    /** @return the base optimizer's updater */
    public GradientUpdater<?> getBase() {
        return base;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        base.setState(stateMap, initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        return base.getState();
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        base.setStateViewArray(viewArray, gradientShape, gradientOrder, initialize);
    }

    @Override
    public void bind(INDArray blockParams, List<INDArray> decayParams) {
        if (base instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) base).bind(blockParams, decayParams);
        }
    }

    @Override
    public void arm(int iteration) {
        armedIteration = iteration;
        if (base instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) base).arm(iteration);
        }
    }

    @Override
    public boolean requiresListener() {
        return true;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (armedIteration != iteration) {
            throw new IllegalStateException("Sam updater ran without its training listener at iteration " + iteration
                    + ": SAM's second forward/backward pass is run by the listener. Call SharpnessAware.install(net) "
                    + "from msam-dl4j after net.init() (and again after restoring a saved model; "
                    + "SharpnessAware.install(sameDiff) for SameDiff), and pass your own listeners to install(...) "
                    + "instead of net.setListeners(...).");
        }
        base.applyUpdater(gradient, iteration, epoch);
    }
}
