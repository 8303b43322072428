package org.msam.updater;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import org.msam.config.Msam;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block part of {@link Msam}: removes the previous perturbation from the block's parameters
 * (θ = θ̃ + c·v) and runs the base optimizer's step. The global part (c ← ρ/(‖v‖ + δ), θ̃ = θ − c·v)
 * is done over all blocks by {@link org.msam.rule.MsamRule}, run by msam-dl4j's driver
 * (docs/ALGORITHMS.md, section "MSAM").
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
    private INDArray perturbedFlag;
    /** The (θ, v) views of the block's perturbed variables. */
    private List<INDArray[]> perturbed;
    private IntPredicate prepared;

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
        u.perturbedFlag = Views.slice(flat, baseSize + 1, 1);
        if (initialize) {
            u.c.assign(0);
            u.perturbedFlag.assign(0);
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
        u.perturbedFlag = p;
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
        perturbedFlag = baseState.remove(PERTURBED_STATE);
        if (c == null || perturbedFlag == null) {
            throw new IllegalStateException("Msam state must contain " + C_STATE + " and " + PERTURBED_STATE
                    + ", got keys " + stateMap.keySet());
        }
        base.setState(baseState, initialize);
        if (initialize) {
            c.assign(0);
            perturbedFlag.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> m = new HashMap<>(base.getState());
        m.put(C_STATE, c);
        m.put(PERTURBED_STATE, perturbedFlag);
        return m;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        INDArray flat = Views.flat(viewArray);
        long baseSize = flat.length() - Msam.EXTRA_STATE;
        base.setStateViewArray(Views.slice(flat, 0, baseSize), gradientShape, gradientOrder, initialize);
        c = Views.slice(flat, baseSize, 1);
        perturbedFlag = Views.slice(flat, baseSize + 1, 1);
        if (initialize) {
            c.assign(0);
            perturbedFlag.assign(0);
        }
    }

    @Override
    public void bind(List<Variable> variables, IntPredicate prepared) {
        List<INDArray[]> views = new ArrayList<>();
        for (Variable v : variables) {
            if (config.perturbs(v.kind())) {
                if (v.momentum() == null) {
                    throw new IllegalStateException("Msam: variable " + v.name() + " has no momentum buffer");
                }
                views.add(new INDArray[] {v.value(), v.momentum()});
            }
        }
        this.perturbed = views;
        this.prepared = prepared;
        ParameterBoundUpdater.bindIfBound(base, variables, prepared);
    }

    @Override
    public boolean requiresDriver() {
        return true;
    }

    /**
     * Removes the perturbation from the block (if present) and runs the base step on θ.
     *
     * @throws IllegalStateException when the MSAM driver has not prepared this iteration
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, "Msam updater (the momentum perturbation needs "
                + "the global norm over all layers, which only the driver computes)");
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

    /** @param scale the new c, set by the rule (the perturbation must be removed while c changes) */
    public void setScale(double scale) {
        if (isPerturbed()) {
            throw new IllegalStateException("c cannot change while the perturbation is applied");
        }
        c.putScalar(0, scale);
    }

    /** @return true while the block holds θ̃ */
    public boolean isPerturbed() {
        return perturbedFlag.getDouble(0) != 0;
    }

    /** θ = θ̃ + c·v, if the block holds θ̃. */
    public void removePerturbation() {
        if (isPerturbed()) {
            move(scale());
            perturbedFlag.putScalar(0, 0);
        }
    }

    /** θ̃ = θ − c·v, if the block holds θ. */
    public void applyPerturbation() {
        if (!isPerturbed()) {
            move(-scale());
            perturbedFlag.putScalar(0, 1);
        }
    }

    /** θ ← θ + α·v over the perturbed variables. */
    private void move(double alpha) {
        if (alpha == 0) {
            return;
        }
        if (perturbed == null) {
            throw new IllegalStateException("Msam updater is not bound to its parameters: call "
                    + "SharpnessAware.install(net) from msam-dl4j");
        }
        for (INDArray[] p : perturbed) {
            Views.axpy(alpha, p[1], p[0]);
        }
    }
}
