package org.msam.updater;

import java.util.List;
import java.util.Map;

import org.msam.config.Mesa;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-block part of {@link Mesa}: the base optimizer's step on the gradient of the pass (which carries the
 * distillation term), and the block's θ_ema. State layout ({@link WrappedState}):
 * {@code [base state | θ_ema (n)]}, θ_ema laid out like the block's parameters; the block's size n is known from its
 * first gradient or from {@link #resolve(long)}. θ_ema is started ({@link org.msam.rule.MesaRule} has set θ_ema ← θ)
 * once it is not all zero; a model saved with {@link org.msam.config.StateLayout#V010} keeps a started flag after
 * θ_ema, {@code [… | started (1)]}, which is read and written instead.
 */
public final class MesaUpdater extends WrappingUpdater<Mesa> {
    /** Name of θ_ema in {@link #getState()}. */
    public static final String EMA_STATE = "MESA_EMA";
    /** Name of layout 0's started flag in {@link #getState()}. */
    public static final String STARTED_STATE = "MESA_STARTED";

    /** True once θ_ema was seen started (layout 1). */
    private boolean started;

    private MesaUpdater(Mesa config) {
        super(config, "Mesa", config.getBase(), List.of(EMA_STATE),
                config.hasLegacyStateLayout() ? List.of(STARTED_STATE) : List.of());
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
     * @param state      the state arrays by name: the base optimizer's, plus {@link #EMA_STATE} (layout 0: and
     *                   {@link #STARTED_STATE})
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

    /** @return true once θ_ema was set to θ (the first step's): θ_ema is not all zero */
    public boolean isStarted() {
        if (config.hasLegacyStateLayout()) {
            return state.part(STARTED_STATE).getDouble(0) != 0;
        }
        if (!started) {
            started = ema().amaxNumber().doubleValue() != 0;
        }
        return started;
    }

    /** Records that θ_ema holds the EMA. */
    public void markStarted() {
        if (config.hasLegacyStateLayout()) {
            state.part(STARTED_STATE).putScalar(0, 1);
        } else {
            started = true;
        }
    }

    @Override
    String unpreparedMessage() {
        return "Mesa updater (its distillation term and EMA are run by the driver)";
    }
}
