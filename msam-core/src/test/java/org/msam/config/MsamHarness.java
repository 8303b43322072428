package org.msam.config;

import java.util.ArrayList;
import java.util.List;

import org.msam.rule.MsamRule;
import org.msam.rule.ParamKind;
import org.msam.rule.Variable;
import org.msam.updater.MsamUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Drives an {@link Msam} model made of several updater blocks the way msam-dl4j's network driver does: the rule's
 * phase before the step gradient, DL4J's L2 at the weights held, each block's {@code applyUpdater},
 * {@code params -= update}, then the rule's new scale and the perturbation.
 */
final class MsamHarness {
    final INDArray params;
    final List<INDArray> states = new ArrayList<>();
    final List<MsamUpdater> updaters = new ArrayList<>();
    final MsamRule perturbation;
    final List<Variable> variables = new ArrayList<>();
    final long[] bounds;
    final double l2;
    final DataType type;

    MsamHarness(Msam config, double[] theta0, long[] bounds, double l2, DataType type) {
        this(config, Nd4j.createFromArray(theta0).castTo(type), null, bounds, l2, type);
    }

    private MsamHarness(Msam config, INDArray params, List<INDArray> states, long[] bounds, double l2,
                        DataType type) {
        this.params = params;
        this.bounds = bounds;
        this.l2 = l2;
        this.type = type;
        for (int b = 0; b + 1 < bounds.length; b++) {
            INDArray p = params.get(NDArrayIndex.interval(bounds[b], bounds[b + 1]));
            INDArray s = states == null ? Nd4j.zeros(type, 1, config.stateSize(p.length())) : states.get(b);
            MsamUpdater u = (MsamUpdater) config.clone().instantiate(s, states == null);
            u.resolve(p.length());
            List<Variable> block = List.of(new Variable("block " + b, ParamKind.WEIGHT, p, u.momentum(), u));
            u.bind(block);
            variables.addAll(block);
            this.states.add(s);
            updaters.add(u);
        }
        perturbation = new MsamRule(config, variables);
    }

    /** @return a copy with fresh updater instances restored from copies of the state arrays */
    MsamHarness restoredCopy(Msam config) {
        List<INDArray> s = new ArrayList<>();
        for (INDArray x : states) {
            s.add(x.dup());
        }
        return new MsamHarness(config, params.dup(), s, bounds, l2, type);
    }

    /** The driver's part: every block's updater may run for {@code iteration}. */
    void prepare(int iteration) {
        for (MsamUpdater u : updaters) {
            u.prepare(iteration);
        }
    }

    /** A step, then the next step's perturbation: the harness holds θ̃ between steps, as the reference does. */
    void step(double[] g, int iteration, int epoch) {
        stepToTheta(g, iteration, epoch);
        perturbation.toHeld(iteration + 1, epoch);
    }

    /** A step that ends at θ, as on a DL4J host (the next step perturbs before its pass). */
    void stepToTheta(double[] g, int iteration, int epoch) {
        prepare(iteration);
        perturbation.beforeStepGradient(null, iteration, epoch);
        INDArray grad = Nd4j.createFromArray(g).castTo(type);
        if (l2 != 0) {
            grad.addi(params.mul(l2));
        }
        for (int b = 0; b < updaters.size(); b++) {
            updaters.get(b).applyUpdater(grad.get(NDArrayIndex.interval(bounds[b], bounds[b + 1])), iteration, epoch);
        }
        params.subi(grad);
        perturbation.afterStep(null, iteration, epoch);
    }

    /** @return θ̃, the weights held */
    double[] held() {
        return params.toDoubleVector();
    }

    /** @return v (or m) over all blocks */
    double[] momentum() {
        double[] r = new double[(int) params.length()];
        for (int b = 0; b < updaters.size(); b++) {
            double[] v = updaters.get(b).momentum().toDoubleVector();
            System.arraycopy(v, 0, r, (int) bounds[b], v.length);
        }
        return r;
    }

    /** @return θ = θ̃ + c·v computed in double from the state */
    double[] theta() {
        double c = perturbation.scale();
        double[] h = held();
        double[] v = momentum();
        for (int i = 0; i < h.length; i++) {
            h[i] += c * v[i];
        }
        return h;
    }
}
