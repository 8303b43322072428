package org.msam.bench;

import java.util.List;

import org.msam.rule.MsamRule;
import org.msam.rule.Norms;
import org.msam.rule.ParamKind;
import org.msam.rule.Variable;
import org.msam.updater.MsamUpdater;
import org.msam.updater.MomentumUpdater;
import org.msam.updater.ParameterBoundUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One optimizer update of a whole model's parameters: one flat float32 vector of {@code size} elements
 * updated as a single DL4J updater block, with the work DL4J does around the updater. Every variant first
 * copies a fixed gradient into the gradient view (the updater turns that view into the update in place, as
 * backprop's output is in DL4J), then:
 * The variants are named as in the examples' optimizer catalog ({@code sgd}, {@code nag}, {@code adamw},
 * {@code msam}, {@code msam-adamw}; earlier results call them {@code sgdMomentum}, {@code sgdNesterov},
 * {@code adamw}, {@code msamSgd}, {@code msamAdamW}), plus ND4J's two updaters and SAM's perturbation work:
 * <table>
 *   <caption>Variants ({@code optimizer})</caption>
 *   <tr><th>value</th><th>work per operation</th></tr>
 *   <tr><td>{@code nd4jNesterovs}</td><td>ND4J {@code Nesterovs(0.1, 0.9)}: applyUpdater, params.subi(update)</td></tr>
 *   <tr><td>{@code nd4jAdam}</td><td>ND4J {@code Adam(1e-3)}: applyUpdater, params.subi(update)</td></tr>
 *   <tr><td>{@code sgd}</td><td>our SgdMomentum(0.1, 0.9), heavy ball: applyUpdater, subi</td></tr>
 *   <tr><td>{@code nag}</td><td>our SgdMomentum(0.1, 0.9, nesterov): applyUpdater, subi (the same
 *       maths as ND4J's Nesterovs at a constant learning rate)</td></tr>
 *   <tr><td>{@code adamw}</td><td>our AdamW(1e-3, λ 1e-2): arm, applyUpdater (with the decoupled decay of the
 *       bound parameters), subi</td></tr>
 *   <tr><td>{@code msam}</td><td>the whole MSAM step over {@code sgd}, ρ 3, as the network driver runs it:
 *       applyUpdater (the base step with the removal of the previous perturbation folded into the update), subi
 *       (lands on θ), c ← ρ/(‖v‖ + δ) (a global norm), θ̃ = θ − c·v</td></tr>
 *   <tr><td>{@code msam-adamw}</td><td>the same over {@code adamw}</td></tr>
 *   <tr><td>{@code samPerturbation}</td><td>only SAM's extra work around its second forward/backward pass (as
 *       msam-core's SamRule does it): ‖g‖, backup of θ, θ += ρ·g/(‖g‖ + δ), θ restored from the backup.
 *       SAM's whole optimizer step is {@code sgd} plus this (plus a second pass)</td></tr>
 * </table>
 * Every array is allocated in {@link #setup()}; an operation allocates no parameter-sized array. The gradient
 * is the same every step, so the weights drift slowly and stay finite.
 *
 * <p>Sizes: 300,000; 2,700,000 (WRN-16-4, 2.78M); 36,500,000 (WRN-28-10). Run:
 * <pre>
 * mvn -B package -pl msam-bench -am -DskipTests
 * java -jar msam-bench/target/benchmarks.jar OptimizerStepBenchmark -rf json -rff step.json
 * java -cp msam-bench/target/benchmarks.jar org.msam.bench.Report step.json
 * </pre>
 * (a shorter run: {@code -f 1 -wi 2 -i 3 -p size=2700000,36500000}).
 */
@State(Scope.Benchmark)
public class OptimizerStepBenchmark extends AbstractBenchmark {
    /** Number of parameters. */
    @Param({"300000", "2700000", "36500000"})
    public int size;

    /** The variant, see the class description. */
    @Param({"nd4jNesterovs", "nd4jAdam", "sgd", "nag", "adamw", "msam", "msam-adamw",
        "samPerturbation"})
    public String optimizer;

    INDArray params;
    INDArray gradient;
    INDArray source;
    private INDArray state;
    private INDArray backup;
    private GradientUpdater<?> updater;
    private MsamRule perturbation;
    private Runnable step;
    int iteration;

    /** @return the updater configuration of a variant that has one (the catalog's, or an ND4J baseline) */
    static IUpdater config(String optimizer) {
        return Optimizers.updater(optimizer);
    }

    /** Allocates the parameters, the gradient, its fixed source and the optimizer state. */
    @Setup(Level.Trial)
    public void setup() {
        Nd4j.getRandom().setSeed(42);
        params = Nd4j.randn(DataType.FLOAT, size).muli(0.05);
        source = Nd4j.randn(DataType.FLOAT, size).muli(0.01);
        gradient = source.dup();
        iteration = 0;
        if ("samPerturbation".equals(optimizer)) {
            backup = Nd4j.createUninitialized(DataType.FLOAT, size);
            step = this::samPerturbation;
            return;
        }
        IUpdater config = config(optimizer);
        state = Nd4j.zeros(DataType.FLOAT, config.stateSize(size));
        updater = config.instantiate(state, true);
        INDArray momentum = null;
        if (updater instanceof MomentumUpdater) {
            ((MomentumUpdater) updater).resolve(size);
            momentum = ((MomentumUpdater) updater).momentum();
        }
        // One variable, each iteration prepared by step() (the driver's part); AdamW decays it (its default scope).
        List<Variable> variables = List.of(new Variable("params", ParamKind.WEIGHT, params, momentum, updater));
        ParameterBoundUpdater.bindIfBound(updater, variables);
        if (updater instanceof MsamUpdater) {
            perturbation = new MsamRule(((MsamUpdater) updater).getConfig(), variables);
            step = this::msamStep;
        } else {
            step = this::plainStep;
        }
    }

    /** Frees the off-heap arrays (the optimizer state is a view of {@code state}). */
    @TearDown(Level.Trial)
    public void tearDown() {
        for (INDArray a : new INDArray[] {params, source, gradient, state, backup}) {
            if (a != null) {
                a.close();
            }
        }
        params = null;
        source = null;
        gradient = null;
        state = null;
        backup = null;
        updater = null;
        perturbation = null;
    }

    /** @return the parameters (θ̃ for MSAM) after one more update */
    @Benchmark
    public INDArray step() {
        step.run();
        iteration++;
        return params;
    }

    private void plainStep() {
        gradient.assign(source);
        ParameterBoundUpdater.prepareIfBound(updater, iteration);
        updater.applyUpdater(gradient, iteration, 0);
        params.subi(gradient);
    }

    private void msamStep() {
        gradient.assign(source);
        ParameterBoundUpdater.prepareIfBound(updater, iteration);
        updater.applyUpdater(gradient, iteration, 0);
        params.subi(gradient);
        perturbation.afterStep(null, iteration, 0);
        perturbation.toHeld(iteration + 1, 0);
    }

    private void samPerturbation() {
        samPerturb();
        samRestore();
    }

    /** Backs θ up and moves to θ + ρ·g/(‖g‖ + δ). */
    void samPerturb() {
        double norm = Math.sqrt(Norms.squaredNorm(gradient));
        backup.assign(params);
        Nd4j.exec(new Axpy(gradient, params, params, Optimizers.SAM_RHO / (norm + MsamRule.DELTA)));
    }

    /** Restores θ from the backup. */
    void samRestore() {
        params.assign(backup);
    }

    /** @return the MSAM perturbation of the variants {@code msam}, {@code msam-adamw}, else null */
    MsamRule perturbation() {
        return perturbation;
    }
}
