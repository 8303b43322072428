package org.msam.updater;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * State and step of {@link SgdMomentum}: PyTorch's {@code torch.optim.SGD} update (see the configuration for the
 * maths). State layout: {@code [v (n) | …]}, v laid out like the block's parameters (DL4J may size the view a few
 * elements larger than n: the buffer sits at the front; a model saved with layout 0 keeps its unused step counter at
 * the end); no state when μ = 0.
 */
public final class SgdMomentumUpdater implements GradientUpdater<SgdMomentum>, MomentumUpdater {
    /** Name of the momentum buffer in {@link #getState()}. */
    public static final String V_STATE = "V";
    /** Name of the step counter of layout 0 (a 1-element array, unused) in {@link #getState()}. */
    public static final String STEPS_STATE = "STEPS";

    private final SgdMomentum config;
    private INDArray flat;
    private INDArray v;
    /** Layout 0's step counter, kept so that the state saves as it was read; never used. */
    private INDArray legacySteps;

    /** @param config the configuration */
    public SgdMomentumUpdater(SgdMomentum config) {
        this.config = config;
    }

    @Override
    public SgdMomentum getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (!config.hasMomentumBuffer()) {
            if (!stateMap.isEmpty()) {
                throw new IllegalStateException("SgdMomentum with momentum 0 has no state, got keys " + stateMap.keySet());
            }
            return;
        }
        boolean legacy = config.hasLegacyStateLayout();
        if (stateMap.size() != (legacy ? 2 : 1) || !stateMap.containsKey(V_STATE)
                || legacy && !stateMap.containsKey(STEPS_STATE)) {
            throw new IllegalStateException("State map should contain keys [" + V_STATE + (legacy ? ", " + STEPS_STATE
                    : "") + "] but has keys " + stateMap.keySet());
        }
        flat = null;
        v = stateMap.get(V_STATE);
        legacySteps = stateMap.get(STEPS_STATE);
        if (initialize) {
            v.assign(0);
            if (legacySteps != null) {
                legacySteps.assign(0);
            }
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        if (!config.hasMomentumBuffer()) {
            return Collections.emptyMap();
        }
        Map<String, INDArray> m = new HashMap<>();
        m.put(V_STATE, v);
        if (legacySteps != null) {
            m.put(STEPS_STATE, legacySteps);
        }
        return m;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (!config.hasMomentumBuffer()) {
            return;
        }
        flat = Views.flat(viewArray);
        if (initialize) {
            flat.assign(0);
        }
        v = null;
        legacySteps = config.hasLegacyStateLayout() ? Views.slice(flat, flat.length() - 1, 1) : null;
        if (gradientShape != null && viewArray.length() == config.stateSize(Views.lengthOf(gradientShape))) {
            resolve(Views.lengthOf(gradientShape));
        }
    }

    @Override
    public void resolve(long numParams) {
        if (v != null && v.length() == numParams || flat == null) {
            return;
        }
        if (numParams > flat.length() - (legacySteps == null ? 0 : 1)) {
            throw new IllegalArgumentException("SgdMomentum state of length " + flat.length() + " cannot hold "
                    + numParams + " parameters");
        }
        v = Views.slice(flat, 0, numParams);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        double lr = config.getLearningRate(iteration, epoch);
        if (!config.hasMomentumBuffer()) {
            gradient.muli(lr);
            return;
        }
        if (v == null && flat == null) {
            throw new IllegalStateException("Updater has not been initialized with view state");
        }
        resolve(gradient.length());
        INDArray buf = Views.like(v, gradient);
        double mu = config.getMomentum();
        if (config.isFirstStep(iteration)) {
            buf.assign(gradient);
        } else if (config.getDampening() == 0) {
            Views.scaleAdd(mu, buf, gradient);
        } else {
            buf.muli(mu);
            Views.axpy(1 - config.getDampening(), gradient, buf);
        }
        if (config.isNesterov()) {
            Views.axpy(mu, buf, gradient);
            gradient.muli(lr);
        } else {
            Views.scaleInto(lr, buf, gradient);
        }
    }

    /**
     * The step of {@link #applyUpdater}, for an update that also carries a multiple of the buffer as it was before
     * the step: u = η·s + w·v_old. v_old is not kept; it is recovered from the new buffer and d, which needs μ &gt; 0
     * and a step that is not the buffer's first ({@link SgdMomentum#isFirstStep}):
     * <pre>
     *   v_old = (v_new − (1 − τ)·d)/μ
     *   heavy ball:  u = (η + w/μ)·v_new − (w·(1 − τ)/μ)·d
     *   Nesterov:    u = (η·μ + w/μ)·v_new + (η − w/μ)·d
     * </pre>
     * The buffer is updated as by {@link #applyUpdater}. The gradient is left holding only the d part,
     * {@code β·d}; the caller adds {@code α·v_new} (with the returned α, plus any further multiple of v_new of its
     * own) to finish the update: one scaling and one axpy, the cost of the plain step's one scaling into the gradient
     * (docs/ALGORITHMS.md, "MSAM update handed to DL4J").
     *
     * @param gradient  d on entry; β·d on return
     * @param iteration the iteration
     * @param epoch     its epoch
     * @param w         the coefficient of v_old in the update
     * @return α, the coefficient of v_new the update still needs
     * @throws IllegalStateException on the buffer's first step
     */
    public double stepWithOldBufferTerm(INDArray gradient, int iteration, int epoch, double w) {
        if (!config.hasMomentumBuffer() || config.isFirstStep(iteration)) {
            throw new IllegalStateException("SgdMomentum: v_old cannot be recovered on the buffer's first step");
        }
        resolve(gradient.length());
        double lr = config.getLearningRate(iteration, epoch);
        double mu = config.getMomentum();
        double tau = config.getDampening();
        INDArray buf = Views.like(v, gradient);
        if (tau == 0) {
            Views.scaleAdd(mu, buf, gradient);
        } else {
            buf.muli(mu);
            Views.axpy(1 - tau, gradient, buf);
        }
        double alpha;
        double beta;
        if (config.isNesterov()) {
            alpha = lr * mu + w / mu;
            beta = lr - w / mu;
        } else {
            alpha = lr + w / mu;
            beta = -w * (1 - tau) / mu;
        }
        Views.scale(beta, gradient);
        return alpha;
    }

    @Override
    public INDArray momentum() {
        return v;
    }
}
