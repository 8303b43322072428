package org.msam.updater;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import org.msam.config.Mesa;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link Mesa}: the base optimizer's step on the gradient of the pass (which carries the
 * distillation term), and the block's θ_ema. State layout: {@code [base state | θ_ema (n) | started (1)]}, θ_ema
 * laid out like the block's parameters, started 1 once {@link org.msam.rule.MesaRule} has set θ_ema ← θ; the
 * block's size n is known from its first gradient or from {@link #resolve(long)}.
 */
public final class MesaUpdater implements GradientUpdater<Mesa>, MomentumUpdater, ParameterBoundUpdater {
    /** Name of θ_ema in {@link #getState()}. */
    public static final String EMA_STATE = "MESA_EMA";
    /** Name of the started flag in {@link #getState()}. */
    public static final String STARTED_STATE = "MESA_STARTED";

    private final Mesa config;
    private GradientUpdater<?> base;
    private INDArray flat;
    private INDArray ema;
    private INDArray started;
    private IntPredicate prepared;

    private MesaUpdater(Mesa config, GradientUpdater<?> base) {
        this.config = config;
        this.base = base;
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MesaUpdater create(Mesa config, INDArray viewArray, boolean initialize) {
        if (viewArray == null) {
            throw new IllegalArgumentException("Mesa needs a state view array");
        }
        MesaUpdater u = new MesaUpdater(config, null);
        INDArray flat = Views.flat(viewArray);
        if (initialize) {
            flat.assign(0);
        }
        u.flat = flat;
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
        Map<String, INDArray> baseState = new HashMap<>(state);
        INDArray e = baseState.remove(EMA_STATE);
        INDArray f = baseState.remove(STARTED_STATE);
        if (e == null || f == null) {
            throw new IllegalStateException("Mesa state must contain " + EMA_STATE + " and " + STARTED_STATE
                    + ", got keys " + state.keySet());
        }
        MesaUpdater u = new MesaUpdater(config, config.getBase().instantiate(baseState, initialize));
        u.ema = Views.flat(e);
        u.started = Views.flat(f);
        if (initialize) {
            e.assign(0);
            f.assign(0);
        }
        return u;
    }

    @Override
    public Mesa getConfig() {
        return config;
    }

    /** @return the base optimizer's updater (null until the block's size is known) */
    public GradientUpdater<?> getBase() {
        return base;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(stateMap);
        INDArray e = baseState.remove(EMA_STATE);
        INDArray f = baseState.remove(STARTED_STATE);
        if (e == null || f == null) {
            throw new IllegalStateException("Mesa state must contain " + EMA_STATE + " and " + STARTED_STATE
                    + ", got keys " + stateMap.keySet());
        }
        ema = Views.flat(e);
        started = Views.flat(f);
        baseUpdater().setState(baseState, initialize);
        if (initialize) {
            ema.assign(0);
            started.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> m = new HashMap<>(baseUpdater().getState());
        m.put(EMA_STATE, ema);
        m.put(STARTED_STATE, started);
        return m;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        flat = Views.flat(viewArray);
        if (initialize) {
            flat.assign(0);
        }
        base = null;
        ema = null;
        started = null;
        if (gradientShape != null) {
            resolve(Views.lengthOf(gradientShape));
        }
    }

    /** Splits the view into the base optimizer's state, θ_ema and the flag once the block's size is known. */
    @Override
    public void resolve(long numParams) {
        if (base != null && ema != null && ema.length() == numParams) {
            return;
        }
        if (flat == null) {
            if (base instanceof MomentumUpdater) {
                ((MomentumUpdater) base).resolve(numParams);
            }
            return;
        }
        long baseSize = flat.length() - numParams - 1;
        if (baseSize < 0) {
            throw new IllegalArgumentException("Mesa state of length " + flat.length() + " cannot hold "
                    + numParams + " parameters");
        }
        base = config.getBase().instantiate(baseSize == 0 ? null : Views.slice(flat, 0, baseSize), false);
        if (base instanceof MomentumUpdater) {
            ((MomentumUpdater) base).resolve(numParams);
        }
        ema = Views.slice(flat, baseSize, numParams);
        started = Views.slice(flat, baseSize + numParams, 1);
    }

    private GradientUpdater<?> baseUpdater() {
        if (base == null) {
            throw new IllegalStateException("Mesa: the block's size is not known yet");
        }
        return base;
    }

    /** @return θ_ema of the block, laid out like its parameters */
    public INDArray ema() {
        return ema;
    }

    /** @return true once θ_ema was set to θ (the first step's) */
    public boolean isStarted() {
        return started.getDouble(0) != 0;
    }

    /** Records that θ_ema holds the EMA. */
    public void markStarted() {
        started.putScalar(0, 1);
    }

    @Override
    public void bind(List<Variable> variables, IntPredicate prepared) {
        this.prepared = prepared;
        ParameterBoundUpdater.bindIfBound(baseUpdater(), variables, prepared);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, "Mesa updater (its distillation term and EMA are run "
                + "by the driver)");
        resolve(gradient.length());
        baseUpdater().applyUpdater(gradient, iteration, epoch);
    }

    @Override
    public INDArray momentum() {
        GradientUpdater<?> b = baseUpdater();
        return b instanceof MomentumUpdater ? ((MomentumUpdater) b).momentum() : null;
    }
}
