package org.msam.updater;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import org.msam.config.LookSam;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link LookSam}: the base optimizer's step on the gradient {@link org.msam.rule.LookSamRule}
 * prepared, and the block's g_v. State layout: {@code [base state | g_v (n)]}, g_v laid out like the block's
 * parameters; the block's size n is known from its first gradient or from {@link #resolve(long)}.
 */
public final class LookSamUpdater implements GradientUpdater<LookSam>, MomentumUpdater, ParameterBoundUpdater {
    /** Name of g_v in {@link #getState()}. */
    public static final String GV_STATE = "LOOKSAM_GV";

    private final LookSam config;
    private GradientUpdater<?> base;
    private INDArray flat;
    private INDArray gv;
    private IntPredicate prepared;

    private LookSamUpdater(LookSam config, GradientUpdater<?> base) {
        this.config = config;
        this.base = base;
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static LookSamUpdater create(LookSam config, INDArray viewArray, boolean initialize) {
        if (viewArray == null) {
            throw new IllegalArgumentException("LookSam needs a state view array");
        }
        LookSamUpdater u = new LookSamUpdater(config, null);
        INDArray flat = Views.flat(viewArray);
        if (initialize) {
            flat.assign(0);
        }
        u.flat = flat;
        return u;
    }

    /**
     * @param config     the configuration
     * @param state      the state arrays by name: the base optimizer's, plus {@link #GV_STATE}
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static LookSamUpdater create(LookSam config, Map<String, INDArray> state, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(state);
        INDArray gv = baseState.remove(GV_STATE);
        if (gv == null) {
            throw new IllegalStateException("LookSam state must contain " + GV_STATE + ", got keys " + state.keySet());
        }
        LookSamUpdater u = new LookSamUpdater(config, config.getBase().instantiate(baseState, initialize));
        u.gv = Views.flat(gv);
        if (initialize) {
            gv.assign(0);
        }
        return u;
    }

    @Override
    public LookSam getConfig() {
        return config;
    }

    /** @return the base optimizer's updater (null until the block's size is known) */
    public GradientUpdater<?> getBase() {
        return base;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(stateMap);
        INDArray g = baseState.remove(GV_STATE);
        if (g == null) {
            throw new IllegalStateException("LookSam state must contain " + GV_STATE + ", got keys "
                    + stateMap.keySet());
        }
        gv = Views.flat(g);
        baseUpdater().setState(baseState, initialize);
        if (initialize) {
            gv.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> m = new HashMap<>(baseUpdater().getState());
        m.put(GV_STATE, gv);
        return m;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        flat = Views.flat(viewArray);
        if (initialize) {
            flat.assign(0);
        }
        base = null;
        gv = null;
        if (gradientShape != null) {
            resolve(Views.lengthOf(gradientShape));
        }
    }

    /** Splits the view into the base optimizer's state and g_v once the block's size is known. */
    @Override
    public void resolve(long numParams) {
        if (base != null && gv != null && gv.length() == numParams) {
            return;
        }
        if (flat == null) {
            if (base instanceof MomentumUpdater) {
                ((MomentumUpdater) base).resolve(numParams);
            }
            return;
        }
        long baseSize = flat.length() - numParams;
        if (baseSize < 0) {
            throw new IllegalArgumentException("LookSam state of length " + flat.length() + " cannot hold "
                    + numParams + " parameters");
        }
        base = config.getBase().instantiate(baseSize == 0 ? null : Views.slice(flat, 0, baseSize), false);
        if (base instanceof MomentumUpdater) {
            ((MomentumUpdater) base).resolve(numParams);
        }
        gv = Views.slice(flat, baseSize, numParams);
    }

    private GradientUpdater<?> baseUpdater() {
        if (base == null) {
            throw new IllegalStateException("LookSam: the block's size is not known yet");
        }
        return base;
    }

    /** @return g_v of the block, laid out like its parameters */
    public INDArray gv() {
        return gv;
    }

    @Override
    public void bind(List<Variable> variables, IntPredicate prepared) {
        this.prepared = prepared;
        ParameterBoundUpdater.bindIfBound(baseUpdater(), variables, prepared);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, "LookSam updater (its SAM steps and g_v are run by "
                + "the driver)");
        resolve(gradient.length());
        baseUpdater().applyUpdater(gradient, iteration, epoch);
    }

    @Override
    public INDArray momentum() {
        GradientUpdater<?> b = baseUpdater();
        return b instanceof MomentumUpdater ? ((MomentumUpdater) b).momentum() : null;
    }
}
