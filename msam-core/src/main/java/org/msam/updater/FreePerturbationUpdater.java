package org.msam.updater;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.msam.config.FreePerturbation;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-block part of {@link FreePerturbation}: θ = θ̃ − ρ·ê on the block's parameters, the step's gradient kept
 * as the next direction (last-gradient directions), then the base step. The global part (the next ê over all blocks,
 * the step's ρ) is done by {@link org.msam.rule.FreePerturbationRule}, run by msam-dl4j's driver.
 *
 * <p>State layout ({@link WrappedState}): {@code [base state | ê (n)]}, last-gradient directions {@code [base state
 * | ê (n) | g (n)]}, laid out like the block's parameters (a model saved with state layout 0 holds e = ρ·ê in ê's
 * place, and its ρ here is 1). Whether the block holds θ̃, and the step's ρ, are not part of the state: a host holds
 * θ outside every step, which is when a state is saved or averaged.
 */
public final class FreePerturbationUpdater extends WrappingUpdater<FreePerturbation>
        implements HeldPerturbationUpdater {
    /** Name of the unit direction ê in {@link #getState()}. */
    public static final String E_STATE = "FREE_E";
    /** Name of the last gradient g_{t−1} in {@link #getState()}. */
    public static final String GRADIENT_STATE = "FREE_LAST_GRADIENT";

    /** The (θ, e) views of the block's variables. */
    private List<INDArray[]> views;
    /** True while the block holds θ̃ = θ + ρ·ê. */
    private boolean perturbed;
    /** ρ of the step whose perturbation the block holds or is about to hold. */
    private double rho;

    private FreePerturbationUpdater(FreePerturbation config) {
        super(config, "FreePerturbation", config.getBase(), config.getDirection().usesLastGradient()
                ? List.of(E_STATE, GRADIENT_STATE) : List.of(E_STATE), List.of());
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view, {@code config.stateSize(n)} long
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static FreePerturbationUpdater create(FreePerturbation config, INDArray viewArray, boolean initialize) {
        FreePerturbationUpdater u = new FreePerturbationUpdater(config);
        u.state.view(viewArray, null, initialize);
        return u;
    }

    /**
     * @param config     the configuration
     * @param state      the state arrays by name: the base optimizer's, plus {@link #E_STATE} (and {@link
     *                   #GRADIENT_STATE} for the last-gradient directions)
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static FreePerturbationUpdater create(FreePerturbation config, Map<String, INDArray> state,
                                                 boolean initialize) {
        FreePerturbationUpdater u = new FreePerturbationUpdater(config);
        u.state.map(state, initialize);
        return u;
    }

    @Override
    public void bind(List<Variable> variables) {
        long n = 0;
        for (Variable v : variables) {
            n += v.length();
        }
        resolve(n);
        List<INDArray[]> vs = new ArrayList<>();
        for (Variable v : variables) {
            vs.add(new INDArray[] {v.value(), v.sliceOf(perturbation())});
        }
        this.views = vs;
        super.bind(variables);
    }

    /**
     * θ = θ̃ − ρ·ê, the gradient kept as g_{t−1} (last-gradient directions), then the base optimizer's step.
     *
     * @throws IllegalStateException when the driver has not prepared this iteration
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, unpreparedMessage());
        resolve(gradient.length());
        removePerturbation();
        if (config.getDirection().usesLastGradient()) {
            Views.like(lastGradient(), gradient).assign(gradient);
        }
        state.base().applyUpdater(gradient, iteration, epoch);
    }

    /** @return ê of the block, the unit direction of the next perturbation, laid out like its parameters */
    public INDArray perturbation() {
        return state.part(E_STATE);
    }

    /**
     * @param rho ρ of the coming step, set by the rule while the block holds θ: the step's perturbation is ρ·ê
     * @throws IllegalStateException when ρ changes while the block holds θ̃
     */
    public void setRho(double rho) {
        if (perturbed && Double.compare(rho, this.rho) != 0) {
            throw new IllegalStateException("ρ cannot change while the perturbation is applied");
        }
        this.rho = rho;
    }

    /** @return g_{t−1} of the block, laid out like its parameters, or null for the random direction */
    public INDArray lastGradient() {
        return state.part(GRADIENT_STATE);
    }

    /** @return true while the block holds θ̃ */
    public boolean isPerturbed() {
        return perturbed;
    }

    /** @return true while the block holds θ̃ and ρ ≠ 0 (with ρ = 0, θ̃ = θ) */
    @Override
    public boolean holdsOtherWeights() {
        return perturbed && rho != 0;
    }

    /** θ = θ̃ − ρ·ê, if the block holds θ̃. */
    @Override
    public void removePerturbation() {
        if (perturbed) {
            move(-rho);
            perturbed = false;
        }
    }

    /** θ̃ = θ + ρ·ê, if the block holds θ. */
    @Override
    public void applyPerturbation() {
        if (!perturbed) {
            move(rho);
            perturbed = true;
        }
    }

    private void move(double alpha) {
        if (alpha == 0) {
            return;
        }
        if (views == null) {
            throw new IllegalStateException("FreePerturbation updater is not bound to its parameters: call "
                    + "SharpnessAware.install(net) from msam-dl4j");
        }
        for (INDArray[] p : views) {
            Views.axpy(alpha, p[1], p[0]);
        }
    }

    @Override
    String unpreparedMessage() {
        return "FreePerturbation updater (its perturbation needs the global norm over all layers, which only the "
                + "driver computes)";
    }
}
