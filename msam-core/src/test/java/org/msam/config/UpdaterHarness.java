package org.msam.config;

import java.util.List;

import org.msam.rule.ParamKind;
import org.msam.rule.Variable;
import org.msam.updater.ParameterBoundUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Drives one updater block the way DL4J does: state view of {@code stateSize(n)}, gradient += λ_c·θ
 * (DL4J's L2 before the updater), {@code applyUpdater} in place, then {@code params -= update}.
 */
final class UpdaterHarness {
    final IUpdater config;
    final INDArray params;
    final INDArray state;
    final GradientUpdater<?> updater;
    final double l2;
    final DataType dataType;

    UpdaterHarness(IUpdater config, double[] theta0, double l2, DataType dataType) {
        this.config = config;
        this.dataType = dataType;
        this.l2 = l2;
        this.params = Nd4j.createFromArray(theta0).castTo(dataType);
        long size = config.stateSize(theta0.length);
        this.state = size == 0 ? null : Nd4j.zeros(dataType, 1, size);
        this.updater = config.instantiate(state, true);
        bind(updater, params);
    }

    /** A copy of another harness's params and state, with a fresh updater instance. */
    UpdaterHarness(UpdaterHarness from) {
        this.config = from.config.clone();
        this.dataType = from.dataType;
        this.l2 = from.l2;
        this.params = from.params.dup();
        this.state = from.state == null ? null : from.state.dup();
        this.updater = config.instantiate(state, false);
        bind(updater, params);
    }

    /** @return the update u that was subtracted */
    INDArray step(double[] g, int iteration, int epoch) {
        INDArray grad = Nd4j.createFromArray(g).castTo(dataType);
        if (l2 != 0) {
            grad.addi(params.mul(l2));
        }
        ParameterBoundUpdater.prepareIfBound(updater, iteration);
        updater.applyUpdater(grad, iteration, epoch);
        params.subi(grad);
        return grad;
    }

    /** Binds an updater to one variable holding {@code params} ({@link #step} prepares each iteration). */
    static void bind(GradientUpdater<?> updater, INDArray params) {
        ParameterBoundUpdater.bindIfBound(updater,
                List.of(new Variable("params", ParamKind.WEIGHT, params, null, updater)));
    }

    double[] params() {
        return params.toDoubleVector();
    }

    /** @return the state's length (0 when there is none) */
    long stateLength() {
        return state == null ? 0 : state.length();
    }

    double[] stateSlice(long from, long length) {
        double[] all = state.toDoubleVector();
        double[] r = new double[(int) length];
        System.arraycopy(all, (int) from, r, 0, (int) length);
        return r;
    }
}
