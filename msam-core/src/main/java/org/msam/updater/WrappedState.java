package org.msam.updater;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The state of an updater that wraps a base optimizer and keeps state of its own, in one layout:
 * {@code [base state | per-parameter arrays (n each) | scalars]}, each per-parameter array laid out like the block's
 * parameters. The scalars sit at the end of the view and are placed at once; the base state and the per-parameter
 * arrays need the block's size n when there are per-parameter arrays, known from the first gradient or from
 * {@link #resolve(long)}. The same parts are named in the map form ({@link #setState}, {@link #getState}), the
 * base optimizer's under its own names. A view laid out with {@code initialize} is zero, and the base optimizer's
 * part gets the base's own initial state when it is placed, unless the view was written in between.
 */
final class WrappedState {
    private final String rule;
    private final IUpdater baseConfig;
    private final List<String> perParameter;
    private final List<String> scalars;
    /** The per-parameter arrays' and the scalars' names, in layout order. */
    private final List<String> names;
    private GradientUpdater<?> base;
    /** The whole state view while the per-parameter arrays wait for the block's size; null in the map form. */
    private INDArray flat;
    private final Map<String, INDArray> own = new LinkedHashMap<>();
    /** The view was laid out with initialize and the base, placed later, has not been initialised yet. */
    private boolean initializeBase;

    /**
     * @param rule         the rule's name, for messages
     * @param baseConfig   the base optimizer
     * @param perParameter names of the per-parameter arrays, in layout order
     * @param scalars      names of the scalars, in layout order
     */
    WrappedState(String rule, IUpdater baseConfig, List<String> perParameter, List<String> scalars) {
        this.rule = rule;
        this.baseConfig = baseConfig;
        this.perParameter = perParameter;
        this.scalars = scalars;
        this.names = new ArrayList<>(perParameter);
        this.names.addAll(scalars);
    }

    /**
     * Lays the state out on a block's view (DL4J's {@code setStateViewArray}).
     *
     * @param viewArray     the block's state view
     * @param gradientShape the block's gradient shape, or null when not known yet
     * @param initialize    whether to set the state to zero
     */
    void view(INDArray viewArray, long[] gradientShape, boolean initialize) {
        if (viewArray == null) {
            throw new IllegalArgumentException(rule + " needs a state view array");
        }
        INDArray view = Views.flat(viewArray);
        if (initialize) {
            view.assign(0);
        }
        flat = view;
        base = null;
        own.clear();
        initializeBase = initialize;
        long end = view.length() - scalars.size();
        for (int i = 0; i < scalars.size(); i++) {
            own.put(scalars.get(i), Views.slice(view, end + i, 1));
        }
        if (perParameter.isEmpty()) {
            base = baseConfig.instantiate(end == 0 ? null : Views.slice(view, 0, end), initialize);
            initializeBase = false;
        }
        if (gradientShape != null) {
            resolve(Views.lengthOf(gradientShape));
        }
    }

    /**
     * Takes the state from arrays by name (DL4J's {@code setState}).
     *
     * @param state      the base optimizer's arrays plus this rule's
     * @param initialize whether to set the state to zero
     * @throws IllegalStateException when one of this rule's arrays is missing
     */
    void map(Map<String, INDArray> state, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(state);
        Map<String, INDArray> mine = new LinkedHashMap<>();
        for (String name : names) {
            INDArray a = baseState.remove(name);
            if (a == null) {
                throw new IllegalStateException(rule + " state must contain " + String.join(", ", names)
                        + "; got keys " + state.keySet());
            }
            mine.put(name, Views.flat(a));
        }
        if (initialize) {
            mine.values().forEach(a -> a.assign(0));
        }
        own.clear();
        own.putAll(mine);
        flat = null;
        if (base == null) {
            base = baseConfig.instantiate(baseState, initialize);
        } else {
            base.setState(baseState, initialize);
        }
    }

    /** @return the base optimizer's arrays and this rule's, by name */
    Map<String, INDArray> getState() {
        Map<String, INDArray> m = new HashMap<>(base().getState());
        m.putAll(own);
        return m;
    }

    /**
     * Places the base state and the per-parameter arrays once the block's size is known, and passes the size on to
     * the base optimizer.
     *
     * @param numParams the block's number of parameters
     */
    void resolve(long numParams) {
        String first = perParameter.isEmpty() ? null : perParameter.get(0);
        if (flat != null && first != null && (own.get(first) == null || own.get(first).length() != numParams)) {
            long end = flat.length() - scalars.size() - perParameter.size() * numParams;
            if (end < 0) {
                throw new IllegalArgumentException(rule + " state of length " + flat.length() + " cannot hold "
                        + numParams + " parameters");
            }
            INDArray baseView = end == 0 ? null : Views.slice(flat, 0, end);
            // the base's own initial state (ND4J's RmsProp and AdaGrad start at ε, not 0), unless the view was
            // written since it was laid out (DL4J restores a saved state by copying it into the view)
            boolean initialize = initializeBase && baseView != null && baseView.amaxNumber().doubleValue() == 0;
            base = baseConfig.instantiate(baseView, initialize);
            initializeBase = false;
            for (int i = 0; i < perParameter.size(); i++) {
                own.put(perParameter.get(i), Views.slice(flat, end + i * numParams, numParams));
            }
        }
        if (base instanceof MomentumUpdater) {
            ((MomentumUpdater) base).resolve(numParams);
        }
    }

    /**
     * @param name one of this rule's arrays
     * @return its view (null while a per-parameter array waits for the block's size)
     */
    INDArray part(String name) {
        return own.get(name);
    }

    /** @return the base optimizer's updater, or null while it waits for the block's size */
    GradientUpdater<?> baseOrNull() {
        return base;
    }

    /**
     * @return the base optimizer's updater
     * @throws IllegalStateException while it waits for the block's size
     */
    GradientUpdater<?> base() {
        if (base == null) {
            throw new IllegalStateException(rule + ": the block's size is not known yet");
        }
        return base;
    }

    /** @return the base optimizer's momentum buffer, or null when it has none or waits for the block's size */
    INDArray momentum() {
        return base instanceof MomentumUpdater ? ((MomentumUpdater) base).momentum() : null;
    }
}
