package org.msam.updater;

import java.util.List;
import java.util.Map;

import org.msam.config.LookSam;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-block part of {@link LookSam}: the base optimizer's step on the gradient {@link org.msam.rule.LookSamRule}
 * prepared, and the block's g_v. State layout ({@link WrappedState}): {@code [base state | g_v (n)]}, g_v laid out
 * like the block's parameters; the block's size n is known from its first gradient or from {@link #resolve(long)}.
 */
public final class LookSamUpdater extends WrappingUpdater<LookSam> {
    /** Name of g_v in {@link #getState()}. */
    public static final String GV_STATE = "LOOKSAM_GV";

    private LookSamUpdater(LookSam config) {
        super(config, "LookSam", config.getBase(), List.of(GV_STATE), List.of());
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

    /** @return g_v of the block, laid out like its parameters */
    public INDArray gv() {
        return state.part(GV_STATE);
    }

    @Override
    String unpreparedMessage() {
        return "LookSam updater (its SAM steps and g_v are run by the driver)";
    }
}
