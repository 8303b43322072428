package org.msam.updater;

import java.util.List;
import java.util.Map;

import org.msam.config.Mesa;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-block part of {@link Mesa}: the base optimizer's step on the gradient of the pass (which carries the
 * distillation term), and the block's θ_ema. State layout ({@link WrappedState}):
 * {@code [base state | θ_ema (n) | started (1)]}, θ_ema laid out like the block's parameters, started 1 once
 * {@link org.msam.rule.MesaRule} has set θ_ema ← θ; the block's size n is known from its first gradient or from
 * {@link #resolve(long)}.
 */
public final class MesaUpdater extends WrappingUpdater<Mesa> {
    /** Name of θ_ema in {@link #getState()}. */
    public static final String EMA_STATE = "MESA_EMA";
    /** Name of the started flag in {@link #getState()}. */
    public static final String STARTED_STATE = "MESA_STARTED";

    private MesaUpdater(Mesa config) {
        super(config, "Mesa", config.getBase(), List.of(EMA_STATE), List.of(STARTED_STATE));
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
    String unpreparedMessage() {
        return "Mesa updater (its distillation term and EMA are run by the driver)";
    }
}
