package org.msam.updater;

import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import org.msam.config.LookSam;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link LookSam}: the base optimizer's step on the gradient {@link org.msam.rule.LookSamRule}
 * prepared, and the block's g_v. State layout ({@link WrappedState}): {@code [base state | g_v (n)]}, g_v laid out
 * like the block's parameters; the block's size n is known from its first gradient or from {@link #resolve(long)}.
 */
public final class LookSamUpdater implements GradientUpdater<LookSam>, MomentumUpdater, ParameterBoundUpdater {
    /** Name of g_v in {@link #getState()}. */
    public static final String GV_STATE = "LOOKSAM_GV";

    private final LookSam config;
    private final WrappedState state;
    private IntPredicate prepared;

    private LookSamUpdater(LookSam config) {
        this.config = config;
        this.state = new WrappedState("LookSam", config.getBase(), List.of(GV_STATE), List.of());
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static LookSamUpdater create(LookSam config, INDArray viewArray, boolean initialize) {
        LookSamUpdater u = new LookSamUpdater(config);
        u.state.view(viewArray, null, initialize);
        return u;
    }

    /**
     * @param config     the configuration
     * @param state      the state arrays by name: the base optimizer's, plus {@link #GV_STATE}
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static LookSamUpdater create(LookSam config, Map<String, INDArray> state, boolean initialize) {
        LookSamUpdater u = new LookSamUpdater(config);
        u.state.map(state, initialize);
        return u;
    }

    @Override
    public LookSam getConfig() {
        return config;
    }

    /** @return the base optimizer's updater (null until the block's size is known) */
    public GradientUpdater<?> getBase() {
        return state.baseOrNull();
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        state.map(stateMap, initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        return state.getState();
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        state.view(viewArray, gradientShape, initialize);
    }

    /** Splits the view into the base optimizer's state and g_v once the block's size is known. */
    @Override
    public void resolve(long numParams) {
        state.resolve(numParams);
    }

    /** @return g_v of the block, laid out like its parameters */
    public INDArray gv() {
        return state.part(GV_STATE);
    }

    @Override
    public void bind(List<Variable> variables, IntPredicate prepared) {
        this.prepared = prepared;
        ParameterBoundUpdater.bindIfBound(state.base(), variables, prepared);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, "LookSam updater (its SAM steps and g_v are run by "
                + "the driver)");
        resolve(gradient.length());
        state.base().applyUpdater(gradient, iteration, epoch);
    }

    @Override
    public INDArray momentum() {
        return state.momentum();
    }
}
