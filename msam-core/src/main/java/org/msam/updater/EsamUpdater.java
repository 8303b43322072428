package org.msam.updater;

import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import org.msam.config.Esam;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link Esam}: the base optimizer's step on the gradient of the second pass, taken over the
 * selected samples. The masked ascent, the sample selection and the second pass are run by {@link
 * org.msam.rule.EsamRule} through msam-dl4j's driver; this updater
 * refuses to run for an iteration the driver did not prepare, so a model never trains silently as its base
 * optimizer.
 */
public final class EsamUpdater implements GradientUpdater<Esam>, ParameterBoundUpdater {
    private final Esam config;
    private final GradientUpdater<?> base;
    private IntPredicate prepared;

    /**
     * @param config the configuration
     * @param base   the base optimizer's updater
     */
    public EsamUpdater(Esam config, GradientUpdater<?> base) {
        this.config = config;
        this.base = base;
    }

    @Override
    public Esam getConfig() {
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
    public void bind(List<Variable> variables, IntPredicate prepared) {
        this.prepared = prepared;
        ParameterBoundUpdater.bindIfBound(base, variables, prepared);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, "Esam updater (ESAM's second forward/backward "
                + "pass is run by the driver)");
        base.applyUpdater(gradient, iteration, epoch);
    }
}
