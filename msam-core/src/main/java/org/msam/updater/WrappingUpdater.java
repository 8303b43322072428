package org.msam.updater;

import java.util.List;
import java.util.Map;

import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The per-block updater of a rule that runs a base optimizer's step and keeps state of its own, laid out by
 * {@link WrappedState}: DL4J's state plumbing, the base optimizer's momentum, the binding to the block's variables
 * and, unless a rule overrides it, the base step once the driver has prepared the iteration.
 *
 * @param <T> the rule's configuration
 */
abstract class WrappingUpdater<T extends IUpdater> implements GradientUpdater<T>, MomentumUpdater,
        ParameterBoundUpdater {
    /** The rule's configuration. */
    final T config;
    /** The base optimizer's state and the rule's own. */
    final WrappedState state;
    /** The iteration the driver has prepared ({@link #prepare}). */
    int prepared = NONE;

    /**
     * @param config       the rule's configuration
     * @param rule         the rule's name, for messages
     * @param base         the base optimizer
     * @param perParameter names of the rule's per-parameter arrays, in layout order
     * @param scalars      names of the rule's scalars, in layout order
     */
    WrappingUpdater(T config, String rule, IUpdater base, List<String> perParameter, List<String> scalars) {
        this.config = config;
        this.state = new WrappedState(rule, base, perParameter, scalars);
    }

    @Override
    public T getConfig() {
        return config;
    }

    /** @return the base optimizer's updater (null while it waits for the block's size) */
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

    /** Places the base optimizer's state and the rule's per-parameter arrays once the block's size is known. */
    @Override
    public void resolve(long numParams) {
        state.resolve(numParams);
    }

    @Override
    public INDArray momentum() {
        return state.momentum();
    }

    @Override
    public void bind(List<Variable> variables) {
        ParameterBoundUpdater.bindIfBound(state.base(), variables);
    }

    @Override
    public void prepare(int iteration) {
        this.prepared = iteration;
        ParameterBoundUpdater.prepareIfBound(state.baseOrNull(), iteration);
    }

    /**
     * The base optimizer's step on the gradient the driver prepared.
     *
     * @throws IllegalStateException when the rule's driver has not prepared this iteration
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, unpreparedMessage());
        resolve(gradient.length());
        state.base().applyUpdater(gradient, iteration, epoch);
    }

    /** @return what ran without its driver, and why it needs one, for the message of {@link #applyUpdater} */
    abstract String unpreparedMessage();
}
