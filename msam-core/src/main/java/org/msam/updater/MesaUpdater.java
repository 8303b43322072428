package org.msam.updater;

import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import org.msam.config.Mesa;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link Mesa}: the base optimizer's step on the gradient of the pass (which carries the
 * distillation term), and the block's θ_ema. State layout ({@link WrappedState}):
 * {@code [base state | θ_ema (n) | started (1)]}, θ_ema
 * laid out like the block's parameters, started 1 once {@link org.msam.rule.MesaRule} has set θ_ema ← θ; the
 * block's size n is known from its first gradient or from {@link #resolve(long)}.
 */
public final class MesaUpdater implements GradientUpdater<Mesa>, MomentumUpdater, ParameterBoundUpdater {
    /** Name of θ_ema in {@link #getState()}. */
    public static final String EMA_STATE = "MESA_EMA";
    /** Name of the started flag in {@link #getState()}. */
    public static final String STARTED_STATE = "MESA_STARTED";

    private final Mesa config;
    private final WrappedState state;
    private IntPredicate prepared;

    private MesaUpdater(Mesa config) {
        this.config = config;
        this.state = new WrappedState("Mesa", config.getBase(), List.of(EMA_STATE), List.of(STARTED_STATE));
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MesaUpdater create(Mesa config, INDArray viewArray, boolean initialize) {
        MesaUpdater u = new MesaUpdater(config);
        u.state.view(viewArray, null, initialize);
        return u;
    }

    /**
     * @param config     the configuration
     * @param state      the state arrays by name: the base optimizer's, plus {@link #EMA_STATE} and {@link
     *                   #STARTED_STATE}
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MesaUpdater create(Mesa config, Map<String, INDArray> state, boolean initialize) {
        MesaUpdater u = new MesaUpdater(config);
        u.state.map(state, initialize);
        return u;
    }

    @Override
    public Mesa getConfig() {
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

    /** Splits the view into the base optimizer's state, θ_ema and the flag once the block's size is known. */
    @Override
    public void resolve(long numParams) {
        state.resolve(numParams);
    }

    /** @return θ_ema of the block, laid out like its parameters */
    public INDArray ema() {
        return state.part(EMA_STATE);
    }

    /** @return true once θ_ema was set to θ (the first step's) */
    public boolean isStarted() {
        return state.part(STARTED_STATE).getDouble(0) != 0;
    }

    /** Records that θ_ema holds the EMA. */
    public void markStarted() {
        state.part(STARTED_STATE).putScalar(0, 1);
    }

    @Override
    public void bind(List<Variable> variables, IntPredicate prepared) {
        this.prepared = prepared;
        ParameterBoundUpdater.bindIfBound(state.base(), variables, prepared);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, "Mesa updater (its distillation term and EMA are run "
                + "by the driver)");
        resolve(gradient.length());
        state.base().applyUpdater(gradient, iteration, epoch);
    }

    @Override
    public INDArray momentum() {
        return state.momentum();
    }
}
