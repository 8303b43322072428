package org.msam.updater;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * State and step of {@link SgdMomentum}: PyTorch's {@code torch.optim.SGD} update (see the
 * configuration for the maths). State layout: {@code [v (n) | … | steps (1)]} (DL4J may size the view a few elements larger than
 * {@code n + 1}: buffers sit at the front, the counter at the end); no state when μ = 0.
 */
public final class SgdMomentumUpdater implements GradientUpdater<SgdMomentum>, MomentumUpdater {
    /** Name of the momentum buffer in {@link #getState()}. */
    public static final String V_STATE = "V";
    /** Name of the step counter (a 1-element array) in {@link #getState()}. */
    public static final String STEPS_STATE = "STEPS";

    private final SgdMomentum config;
    private INDArray flat;
    private INDArray v;
    private INDArray steps;

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
        if (stateMap.size() != 2 || !stateMap.containsKey(V_STATE) || !stateMap.containsKey(STEPS_STATE)) {
            throw new IllegalStateException("State map should contain keys [" + V_STATE + ", " + STEPS_STATE
                    + "] but has keys " + stateMap.keySet());
        }
        v = stateMap.get(V_STATE);
        steps = stateMap.get(STEPS_STATE);
        if (initialize) {
            v.assign(0);
            steps.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        if (!config.hasMomentumBuffer()) {
            return Collections.emptyMap();
        }
        Map<String, INDArray> m = new HashMap<>();
        m.put(V_STATE, v);
        m.put(STEPS_STATE, steps);
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
        steps = Views.slice(flat, flat.length() - 1, 1);
        if (gradientShape != null && viewArray.length() == config.stateSize(Views.lengthOf(gradientShape))) {
            resolve(Views.lengthOf(gradientShape));
        }
    }

    @Override
    public void resolve(long numParams) {
        if (v != null && v.length() == numParams || flat == null) {
            return;
        }
        if (numParams > flat.length() - 1) {
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
        if (steps == null) {
            throw new IllegalStateException("Updater has not been initialized with view state");
        }
        resolve(gradient.length());
        INDArray buf = Views.like(v, gradient);
        double mu = config.getMomentum();
        double t = steps.getDouble(0);
        if (t == 0) {
            buf.assign(gradient);
        } else if (config.getDampening() == 0) {
            Views.scaleAdd(mu, buf, gradient);
        } else {
            buf.muli(mu);
            Views.axpy(1 - config.getDampening(), gradient, buf);
        }
        steps.putScalar(0, t + 1);
        if (config.isNesterov()) {
            Views.axpy(mu, buf, gradient);
            gradient.muli(lr);
        } else {
            Views.scaleInto(lr, buf, gradient);
        }
    }

    @Override
    public INDArray momentum() {
        return v;
    }
}
