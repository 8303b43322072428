package org.msam.updater;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.rule.ParamKind;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * State and step of {@link AdamW}: PyTorch's {@code torch.optim.AdamW} (see the configuration for the
 * maths), with t = DL4J's iteration + 1. State layout {@code [m (n) | s (n) | …]}, each laid out like the block's
 * parameters (the moments at the front of the view; a model saved with layout 0 keeps its unused step count at the
 * end). With λ &gt; 0 the decoupled decay
 * {@code θ ← θ·(1 − η·λ)} is applied to the bound parameter views during {@link #applyUpdater}, before
 * the caller subtracts the Adam update (PyTorch's order).
 */
public final class AdamWUpdater implements GradientUpdater<AdamW>, MomentumUpdater, ParameterBoundUpdater {
    /** Name of the first moment in {@link #getState()}. */
    public static final String M_STATE = "M";
    /** Name of the second moment in {@link #getState()}. */
    public static final String S_STATE = "V";
    /** Name of the step count of layout 0 (a 1-element array, unused) in {@link #getState()}. */
    public static final String STEPS_STATE = "STEPS";

    private final AdamW config;
    private INDArray flat;
    private INDArray m;
    private INDArray s;
    /** Layout 0's step count, kept so that the state saves as it was read; never used. */
    private INDArray legacySteps;
    private List<INDArray> decayParams = Collections.emptyList();
    private int prepared = NONE;

    /** @param config the configuration */
    public AdamWUpdater(AdamW config) {
        this.config = config;
    }

    @Override
    public AdamW getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        boolean legacy = config.hasLegacyStateLayout();
        if (stateMap.size() != (legacy ? 3 : 2) || !stateMap.containsKey(M_STATE) || !stateMap.containsKey(S_STATE)
                || legacy && !stateMap.containsKey(STEPS_STATE)) {
            throw new IllegalStateException("State map should contain keys [" + M_STATE + ", " + S_STATE
                    + (legacy ? ", " + STEPS_STATE : "") + "] but has keys " + stateMap.keySet());
        }
        flat = null;
        m = stateMap.get(M_STATE);
        s = stateMap.get(S_STATE);
        legacySteps = stateMap.get(STEPS_STATE);
        if (initialize) {
            m.assign(0);
            s.assign(0);
            if (legacySteps != null) {
                legacySteps.assign(0);
            }
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> r = new HashMap<>();
        r.put(M_STATE, m);
        r.put(S_STATE, s);
        if (legacySteps != null) {
            r.put(STEPS_STATE, legacySteps);
        }
        return r;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        flat = Views.flat(viewArray);
        if (initialize) {
            flat.assign(0);
        }
        m = null;
        s = null;
        legacySteps = config.hasLegacyStateLayout() ? Views.slice(flat, flat.length() - 1, 1) : null;
        if (gradientShape != null && viewArray.length() == config.stateSize(Views.lengthOf(gradientShape))) {
            resolve(Views.lengthOf(gradientShape));
        }
    }

    @Override
    public void resolve(long numParams) {
        if (m != null && m.length() == numParams || flat == null) {
            return;
        }
        if (2 * numParams > flat.length() - (legacySteps == null ? 0 : 1)) {
            throw new IllegalArgumentException("AdamW state of length " + flat.length() + " cannot hold " + numParams
                    + " parameters");
        }
        m = Views.slice(flat, 0, numParams);
        s = Views.slice(flat, numParams, numParams);
    }

    /**
     * Binds the variables the decoupled decay acts on: all of them ({@link DecayScope#ALL_TRAINABLE}) or the weights
     * ({@link DecayScope#WEIGHTS_ONLY}).
     */
    @Override
    public void bind(List<Variable> variables) {
        List<INDArray> views = new ArrayList<>();
        for (Variable v : variables) {
            if (config.getDecayScope() == DecayScope.ALL_TRAINABLE || v.kind() == ParamKind.WEIGHT) {
                views.add(v.value());
            }
        }
        this.decayParams = List.copyOf(views);
    }

    @Override
    public void prepare(int iteration) {
        this.prepared = iteration;
    }

    /** @return true when the decoupled decay needs the driver (λ &gt; 0) */
    private boolean requiresDriver() {
        return config.getWeightDecay() > 0;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (m == null && flat == null) {
            throw new IllegalStateException("Updater has not been initialized with view state");
        }
        resolve(gradient.length());
        if (requiresDriver() && prepared != iteration) {
            throw new IllegalStateException("AdamW weightDecay=" + config.getWeightDecay()
                    + " cannot be applied at iteration " + iteration
                    + ": a DL4J updater never sees the weights, so decoupled decay is done by msam-dl4j. Call "
                    + "DecoupledWeightDecay.install(net) after net.init() (SharpnessAware.install(net) does it for "
                    + "Sam/Msam), and again after restoring a saved model; or build AdamW with weightDecay(0).");
        }
        double lr = config.getLearningRate(iteration, epoch);
        double b1 = config.getBeta1();
        double b2 = config.getBeta2();
        double t = iteration + 1.0;
        INDArray mm = Views.like(m, gradient);
        INDArray ss = Views.like(s, gradient);

        mm.muli(b1);
        Views.axpy(1 - b1, gradient, mm);
        gradient.muli(gradient);
        ss.muli(b2);
        Views.axpy(1 - b2, gradient, ss);

        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        gradient.assign(ss);
        Transforms.sqrt(gradient, false);
        gradient.divi(Math.sqrt(bc2)).addi(config.getEpsilon());
        gradient.rdivi(mm);
        gradient.muli(lr / bc1);

        if (config.getWeightDecay() > 0) {
            double factor = 1 - lr * config.getWeightDecay();
            for (INDArray p : decayParams) {
                p.muli(factor);
            }
        }
    }

    @Override
    public INDArray momentum() {
        return m;
    }
}
