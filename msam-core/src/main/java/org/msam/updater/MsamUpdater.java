package org.msam.updater;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.msam.config.Msam;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link Msam}: removes the previous perturbation from the block's parameters
 * (θ = θ̃ + c·v) and runs the base optimizer's step. The global part (c ← ρ/(‖v‖ + δ), θ̃ = θ − c·v)
 * is done over all blocks by {@link MsamPerturbation}, driven by msam-dl4j's listener.
 *
 * <p>State layout: {@code [base state | c | perturbed]} (the scalars at the end of the block's view), where {@code perturbed} is 1 while the
 * block's parameters hold θ̃ and 0 while they hold θ. Both numbers are identical in every block.
 */
public final class MsamUpdater implements GradientUpdater<Msam>, MomentumUpdater, ParameterBoundUpdater {
    /** Name of c in {@link #getState()}. */
    public static final String C_STATE = "MSAM_C";
    /** Name of the perturbed flag in {@link #getState()}. */
    public static final String PERTURBED_STATE = "MSAM_PERTURBED";

    private final Msam config;
    private final GradientUpdater<?> base;
    private INDArray c;
    private INDArray perturbed;
    private INDArray params;
    private int armedIteration = Integer.MIN_VALUE;

    private MsamUpdater(Msam config, GradientUpdater<?> base) {
        this.config = config;
        this.base = base;
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view, {@code config.stateSize(n)} long
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MsamUpdater create(Msam config, INDArray viewArray, boolean initialize) {
        if (viewArray == null) {
            throw new IllegalArgumentException("Msam needs a state view array");
        }
        INDArray flat = Views.flat(viewArray);
        long baseSize = flat.length() - Msam.EXTRA_STATE;
        GradientUpdater<?> base = config.getBase().instantiate(Views.slice(flat, 0, baseSize), initialize);
        MsamUpdater u = new MsamUpdater(config, base);
        u.c = Views.slice(flat, baseSize, 1);
        u.perturbed = Views.slice(flat, baseSize + 1, 1);
        if (initialize) {
            u.c.assign(0);
            u.perturbed.assign(0);
        }
        return u;
    }

    /**
     * @param config     the configuration
     * @param state      the state arrays by name: the base optimizer's, plus {@link #C_STATE} and
     *                   {@link #PERTURBED_STATE}
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MsamUpdater create(Msam config, Map<String, INDArray> state, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(state);
        INDArray c = baseState.remove(C_STATE);
        INDArray p = baseState.remove(PERTURBED_STATE);
        if (c == null || p == null) {
            throw new IllegalStateException("Msam state must contain " + C_STATE + " and " + PERTURBED_STATE
                    + ", got keys " + state.keySet());
        }
        MsamUpdater u = new MsamUpdater(config, config.getBase().instantiate(baseState, initialize));
        u.c = c;
        u.perturbed = p;
        if (initialize) {
            c.assign(0);
            p.assign(0);
        }
        return u;
    }

    @Override
    public Msam getConfig() {
        return config;
    }

    /** @return the base optimizer's updater */
    public GradientUpdater<?> getBase() {
        return base;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(stateMap);
        c = baseState.remove(C_STATE);
        perturbed = baseState.remove(PERTURBED_STATE);
        if (c == null || perturbed == null) {
            throw new IllegalStateException("Msam state must contain " + C_STATE + " and " + PERTURBED_STATE
                    + ", got keys " + stateMap.keySet());
        }
        base.setState(baseState, initialize);
        if (initialize) {
            c.assign(0);
            perturbed.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> m = new HashMap<>(base.getState());
        m.put(C_STATE, c);
        m.put(PERTURBED_STATE, perturbed);
        return m;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        INDArray flat = Views.flat(viewArray);
        long baseSize = flat.length() - Msam.EXTRA_STATE;
        base.setStateViewArray(Views.slice(flat, 0, baseSize), gradientShape, gradientOrder, initialize);
        c = Views.slice(flat, baseSize, 1);
        perturbed = Views.slice(flat, baseSize + 1, 1);
        if (initialize) {
            c.assign(0);
            perturbed.assign(0);
        }
    }

    @Override
    public void bind(INDArray blockParams, List<INDArray> decayParams) {
        this.params = Views.flat(blockParams);
        ((MomentumUpdater) base).resolve(params.length());
        if (base instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) base).bind(blockParams, decayParams);
        }
    }

    @Override
    public void arm(int iteration) {
        armedIteration = iteration;
        if (base instanceof ParameterBoundUpdater) {
            ((ParameterBoundUpdater) base).arm(iteration);
        }
    }

    @Override
    public boolean requiresListener() {
        return true;
    }

    /**
     * Removes the perturbation from the block (if present) and runs the base step on θ.
     *
     * @throws IllegalStateException when the MSAM listener has not prepared this iteration
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (armedIteration != iteration || params == null) {
            throw new IllegalStateException("Msam updater ran without its training listener at iteration "
                    + iteration + ": the momentum perturbation needs the global norm over all layers, which only "
                    + "the listener can compute. Call SharpnessAware.install(net) from msam-dl4j after net.init() "
                    + "(and again after restoring a saved model; SharpnessAware.install(sameDiff) for SameDiff), and "
                    + "pass your own listeners to install(...) instead of net.setListeners(...).");
        }
        removePerturbation();
        base.applyUpdater(gradient, iteration, epoch);
    }

    @Override
    public INDArray momentum() {
        return ((MomentumUpdater) base).momentum();
    }

    @Override
    public void resolve(long numParams) {
        ((MomentumUpdater) base).resolve(numParams);
    }

    /** @return c, the scale of the current perturbation */
    public double scale() {
        return c.getDouble(0);
    }

    /** @param scale the new c (the perturbation must be removed while c changes) */
    void setScale(double scale) {
        if (isPerturbed()) {
            throw new IllegalStateException("c cannot change while the perturbation is applied");
        }
        c.putScalar(0, scale);
    }

    /** @return true while the block holds θ̃ */
    public boolean isPerturbed() {
        return perturbed.getDouble(0) != 0;
    }

    /** θ = θ̃ + c·v, if the block holds θ̃. */
    public void removePerturbation() {
        if (isPerturbed()) {
            double cv = scale();
            if (cv != 0) {
                Views.axpy(cv, momentum(), requireParams());
            }
            perturbed.putScalar(0, 0);
        }
    }

    /** θ̃ = θ − c·v, if the block holds θ. */
    public void applyPerturbation() {
        if (!isPerturbed()) {
            double cv = scale();
            if (cv != 0) {
                Views.axpy(-cv, momentum(), requireParams());
            }
            perturbed.putScalar(0, 1);
        }
    }

    private INDArray requireParams() {
        if (params == null) {
            throw new IllegalStateException("Msam updater is not bound to its parameters: call "
                    + "SharpnessAware.install(net) from msam-dl4j");
        }
        return params;
    }
}
