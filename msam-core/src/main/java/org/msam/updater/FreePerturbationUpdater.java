package org.msam.updater;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.msam.config.FreePerturbation;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-block part of {@link FreePerturbation}: θ = θ̃ − e on the block's parameters, the step's gradient kept as
 * the next direction (last-gradient directions), then the base step. The global part (the new e over all blocks)
 * is done by {@link org.msam.rule.FreePerturbationRule}, run by msam-dl4j's driver.
 *
 * <p>State layout ({@link WrappedState}): {@code [base state | e (n)]}, last-gradient directions {@code [base state
 * | e (n) | g (n)]}, laid out like the block's parameters. Whether the block holds θ̃ is not part of the state: a
 * host holds θ outside every step, which is when a state is saved or averaged.
 */
public final class FreePerturbationUpdater extends WrappingUpdater<FreePerturbation>
        implements HeldPerturbationUpdater {
    /** Name of the perturbation e in {@link #getState()}. */
    public static final String E_STATE = "FREE_E";
    /** Name of the last gradient g_{t−1} in {@link #getState()}. */
    public static final String GRADIENT_STATE = "FREE_LAST_GRADIENT";

    /** The (θ, e) views of the block's variables. */
    private List<INDArray[]> views;
    /** True while the block holds θ̃ = θ + e. */
    private boolean perturbed;

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
     * θ = θ̃ − e, the gradient kept as g_{t−1} (last-gradient directions), then the base optimizer's step.
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

    /** @return e of the block, laid out like its parameters */
    public INDArray perturbation() {
        return state.part(E_STATE);
    }

    /** @return g_{t−1} of the block, laid out like its parameters, or null for the random direction */
    public INDArray lastGradient() {
        return state.part(GRADIENT_STATE);
    }

    /** @return true while the block holds θ̃ */
    public boolean isPerturbed() {
        return perturbed;
    }

    /** @return {@link #isPerturbed()} */
    @Override
    public boolean holdsOtherWeights() {
        return perturbed;
    }

    /** θ = θ̃ − e, if the block holds θ̃. */
    @Override
    public void removePerturbation() {
        if (perturbed) {
            move(-1);
            perturbed = false;
        }
    }

    /** θ̃ = θ + e, if the block holds θ. */
    @Override
    public void applyPerturbation() {
        if (!perturbed) {
            move(1);
            perturbed = true;
        }
    }

    private void move(double alpha) {
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
