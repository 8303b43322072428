package org.msam.updater;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-block part of {@link Msam}: runs the base optimizer's step with the removal of the previous perturbation
 * folded into the update (over {@link SgdMomentum}), or applied to the block's parameters first (AdamW, adaptive,
 * BN-only). The global part (the step's scale c and θ̃) is done over all blocks by {@link org.msam.rule.MsamRule}, run
 * by msam-dl4j's driver before the step's forward pass (docs/ALGORITHMS.md, sections "MSAM", "MSAM update handed to
 * DL4J" and "Adaptive MSAM").
 * <ul>
 *   <li>MSAM: θ̃ = θ − c·v, removed as θ = θ̃ + c·v;</li>
 *   <li>adaptive MSAM: θ̃ = θ + e with e kept in the state, removed as θ = θ̃ − e (exact).</li>
 * </ul>
 *
 * <p>State layout ({@link WrappedState}): the base optimizer's state alone. c, whether the block holds θ̃ and adaptive
 * MSAM's e (laid out like the block's parameters) live in this object for the length of a step: outside a step the
 * block holds θ and the next step derives them again. A model saved with {@link org.msam.config.StateLayout#V010}
 * keeps them in its state, {@code [base state | c | perturbed]}, adaptive {@code [base state | e (n) | c |
 * perturbed]} (perturbed 1 while the block held θ̃), and they are read and written there, so that such a model saved
 * at θ̃ resumes as before.
 *
 * <p>This updater is the one owner of c and the flag: it alone writes the flag (when it moves the block, and when its
 * folded step lands on θ), and c changes only through {@link #setScale}, which {@link org.msam.rule.MsamRule} calls
 * once per step with the global value while the block holds θ.
 */
public final class MsamUpdater extends WrappingUpdater<Msam> implements HeldPerturbationUpdater {
    /** Name of c in {@link #getState()}. */
    public static final String C_STATE = "MSAM_C";
    /** Name of the perturbed flag in {@link #getState()}. */
    public static final String PERTURBED_STATE = "MSAM_PERTURBED";
    /** Name of adaptive MSAM's perturbation e in {@link #getState()}. */
    public static final String E_STATE = "MSAM_E";

    /** The (θ, v) views of the block's perturbed variables; adaptive: (θ, e). */
    private List<INDArray[]> perturbed;
    /** c and the flag, when they are not in the state (layout 1). */
    private double scale;
    private boolean held;
    /** Adaptive MSAM's e (layout 1), laid out like the block's parameters. */
    private INDArray e;

    private MsamUpdater(Msam config) {
        super(config, "Msam", config.getBase(),
                config.isAdaptive() && config.hasLegacyStateLayout() ? List.of(E_STATE) : List.of(),
                config.hasLegacyStateLayout() ? List.of(C_STATE, PERTURBED_STATE) : List.of());
    }

    /**
     * @param config     the configuration
     * @param viewArray  the block's state view, {@code config.stateSize(n)} long
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MsamUpdater create(Msam config, INDArray viewArray, boolean initialize) {
        MsamUpdater u = new MsamUpdater(config);
        u.state.view(viewArray, null, initialize);
        return u;
    }

    /**
     * @param config     the configuration
     * @param state      the state arrays by name: the base optimizer's (adaptive: and {@link #E_STATE}; layout 0:
     *                   and {@link #C_STATE}, {@link #PERTURBED_STATE})
     * @param initialize whether to initialise the state
     * @return the updater
     */
    public static MsamUpdater create(Msam config, Map<String, INDArray> state, boolean initialize) {
        MsamUpdater u = new MsamUpdater(config);
        u.state.map(state, initialize);
        return u;
    }

    @Override
    public void bind(List<Variable> variables) {
        List<INDArray[]> views = new ArrayList<>();
        for (Variable v : variables) {
            if (config.perturbs(v.kind())) {
                if (config.isAdaptive()) {
                    resolve(blockLength(variables));
                    views.add(new INDArray[] {v.value(), v.sliceOf(perturbation())});
                } else {
                    if (v.momentum() == null) {
                        throw new IllegalStateException("Msam: variable " + v.name() + " has no momentum buffer");
                    }
                    views.add(new INDArray[] {v.value(), v.momentum()});
                }
            }
        }
        this.perturbed = views;
        super.bind(variables);
    }

    private static long blockLength(List<Variable> variables) {
        long n = 0;
        for (Variable v : variables) {
            n += v.length();
        }
        return n;
    }

    /**
     * The block's part of the step: the previous perturbation removed and the base step taken, so that DL4J's
     * {@code params -= update} lands on θ (docs/ALGORITHMS.md, "MSAM update handed to DL4J").
     * <ul>
     *   <li>over {@link SgdMomentum} (heavy ball, dampening or Nesterov), not adaptive and not BN-only: the removal
     *       is folded into the update, u = η·s − c·v_old with v_old = (v_new − (1 − τ)·d)/μ (with c = 0 the base
     *       update is used as it is), and the parameters are not touched;</li>
     *   <li>otherwise (AdamW, adaptive, BN-only): θ = θ̃ + c·v (adaptive: θ̃ − e) on the block's parameters, then
     *       the base step.</li>
     * </ul>
     *
     * @throws IllegalStateException when the MSAM driver has not prepared this iteration
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        ParameterBoundUpdater.requirePrepared(prepared, iteration, unpreparedMessage());
        resolve(gradient.length());
        if (!foldsRemoval()) {
            removePerturbation();
            state.base().applyUpdater(gradient, iteration, epoch);
            return;
        }
        SgdMomentumUpdater sgd = (SgdMomentumUpdater) state.base();
        double c = isPerturbed() ? scale() : 0;
        double owed = 0;
        if (c != 0 && !sgd.getConfig().isFirstStep(iteration)) {
            owed = sgd.stepWithOldBufferTerm(gradient, iteration, epoch, -c);
        } else {
            removePerturbation(); // with c = 0, θ̃ = θ already and nothing moves
            sgd.applyUpdater(gradient, iteration, epoch);
        }
        holding(false);
        finish(gradient, owed);
    }

    /**
     * @return true when this block folds the removal of the perturbation into its update: the base is {@link
     *     SgdMomentum} (μ &gt; 0, which {@link Msam} requires), MSAM is not adaptive, and every variable of the block
     *     is perturbed (not BN-only)
     */
    public boolean foldsRemoval() {
        return !config.isAdaptive() && !config.isNormalizationOnly()
                && state.baseOrNull() instanceof SgdMomentumUpdater;
    }

    /** update ← update + α·v_new, the last part of a folded update. */
    private void finish(INDArray update, double alpha) {
        if (alpha != 0) {
            Views.axpy(alpha, Views.like(momentum(), update), update);
        }
    }

    /**
     * @return adaptive MSAM's perturbation e of the block, laid out like its parameters (null when not adaptive, or
     *     before {@link #bind}): working memory of the step, derived again at every step (layout 0: part of the state)
     */
    public INDArray perturbation() {
        if (!config.isAdaptive()) {
            return null;
        }
        return config.hasLegacyStateLayout() ? state.part(E_STATE) : e;
    }

    /** Places the state once the block's size is known; adaptive MSAM's e is allocated then (outside workspaces). */
    @Override
    public void resolve(long numParams) {
        super.resolve(numParams);
        if (config.isAdaptive() && !config.hasLegacyStateLayout() && (e == null || e.length() != numParams)) {
            INDArray m = state.momentum();
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                e = Nd4j.zeros(m == null ? DataType.FLOAT : m.dataType(), numParams);
            }
        }
    }

    /** @return c, the scale of the step's perturbation */
    public double scale() {
        return config.hasLegacyStateLayout() ? state.part(C_STATE).getDouble(0) : scale;
    }

    /** @param scale the new c, set by the rule (the perturbation must be removed while c changes) */
    public void setScale(double scale) {
        if (isPerturbed()) {
            throw new IllegalStateException("c cannot change while the perturbation is applied");
        }
        if (config.hasLegacyStateLayout()) {
            state.part(C_STATE).putScalar(0, scale);
        } else {
            this.scale = scale;
        }
    }

    /** @return true while the block holds θ̃ */
    public boolean isPerturbed() {
        return config.hasLegacyStateLayout() ? state.part(PERTURBED_STATE).getDouble(0) != 0 : held;
    }

    /** @return true while the block holds θ̃ and c ≠ 0 (with c = 0, θ̃ = θ) */
    @Override
    public boolean holdsOtherWeights() {
        return isPerturbed() && scale() != 0;
    }

    /** θ = θ̃ + c·v (adaptive: θ̃ − e), if the block holds θ̃. */
    @Override
    public void removePerturbation() {
        if (isPerturbed()) {
            move(config.isAdaptive() ? -1 : scale());
            holding(false);
        }
    }

    /** θ̃ = θ − c·v (adaptive: θ + e), if the block holds θ. */
    @Override
    public void applyPerturbation() {
        if (!isPerturbed()) {
            move(config.isAdaptive() ? 1 : -scale());
            holding(true);
        }
    }

    /** Records which weights the block holds: the one writer of the perturbed flag. */
    private void holding(boolean perturbed) {
        if (config.hasLegacyStateLayout()) {
            state.part(PERTURBED_STATE).putScalar(0, perturbed ? 1 : 0);
        } else {
            held = perturbed;
        }
    }

    /** θ ← θ + α·x over the perturbed variables (x = v, or e when adaptive). */
    private void move(double alpha) {
        if (alpha == 0 || scale() == 0) {
            return;
        }
        requireBound();
        for (INDArray[] p : perturbed) {
            Views.axpy(alpha, p[1], p[0]);
        }
    }

    private void requireBound() {
        if (perturbed == null) {
            throw new IllegalStateException("Msam updater is not bound to its parameters: call "
                    + "SharpnessAware.install(net) from msam-dl4j");
        }
    }

    @Override
    String unpreparedMessage() {
        return "Msam updater (the momentum perturbation needs the global norm over all layers, which only the driver "
                + "computes)";
    }
}
