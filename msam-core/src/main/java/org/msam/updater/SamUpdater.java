package org.msam.updater;

import java.util.List;
import java.util.Map;

import org.msam.config.Esam;
import org.msam.config.Sam;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The per-block part of the two-pass rules, {@link Sam} and {@link Esam}: the base optimizer's step on the gradient
 * of the second pass (ESAM's over the selected samples). The ascent and the second pass are run by {@link
 * org.msam.rule.SamRule} or {@link org.msam.rule.EsamRule} through msam-dl4j's driver; this updater refuses to run
 * for an iteration the driver did not prepare, so a model never trains silently as its base optimizer.
 *
 * @param <C> the rule's configuration
 */
public final class SamUpdater<C extends IUpdater> implements GradientUpdater<C>, MomentumUpdater,
        ParameterBoundUpdater {
    private final C config;
    private final GradientUpdater<?> base;
    private final String rule;
    private int prepared = NONE;

    /**
     * @param config the configuration
     * @param base   the base optimizer's updater
     * @param rule   the rule's name for messages ("SAM", "ESAM")
     */
    public SamUpdater(C config, GradientUpdater<?> base, String rule) {
        this.config = config;
        this.base = base;
        this.rule = rule;
    }

    @Override
    public C getConfig() {
        return config;
    }

    /** @return the base optimizer's updater */
    public GradientUpdater<?> getBase() {
        return base;
    }

    /** @return the base optimizer's momentum buffer, or null when it keeps none */
    @Override
    public INDArray momentum() {
        return base instanceof MomentumUpdater ? ((MomentumUpdater) base).momentum() : null;
    }

    /** Lays the base optimizer's state out for a block of {@code numParams} parameters. */
    @Override
    public void resolve(long numParams) {
        if (base instanceof MomentumUpdater) {
            ((MomentumUpdater) base).resolve(numParams);
        }
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
    public void bind(List<Variable> variables) {
        ParameterBoundUpdater.bindIfBound(base, variables);
    }

    @Override
    public void prepare(int iteration) {
        this.prepared = iteration;
        ParameterBoundUpdater.prepareIfBound(base, iteration);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, config.getClass().getSimpleName() + " updater ("
                + rule + "'s second forward/backward pass is run by the driver)");
        base.applyUpdater(gradient, iteration, epoch);
    }
}
