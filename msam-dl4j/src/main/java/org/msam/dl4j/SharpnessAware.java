package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.msam.rule.Need;
import org.msam.rule.SharpnessRule;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Entry point for sharpness-aware training of DL4J networks: every rule of the registry ({@link Rules}: SAM, adaptive
 * and BN-only SAM, MSAM and its adaptive and BN-only forms, LookSAM, ESAM, MESA), over SGD, Nesterov or AdamW.
 *
 * <pre>{@code
 * MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
 *         .updater(Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(3.0).build())
 *         .l2(5e-4)
 *         ...);
 * net.init();
 * SharpnessAware.install(net, new ScoreIterationListener(100));
 * net.fit(train, epochs);                 // SAM and the rules taking SAM steps: two passes per step; MSAM: one
 * Evaluation e = net.evaluate(test);      // at the true weights θ
 * }</pre>
 *
 * <p>{@code install} reads the rule from the configuration (the updater configuration of a registered rule:
 * {@link org.msam.config.Sam}, {@link org.msam.config.Msam}, {@link org.msam.config.LookSam},
 * {@link org.msam.config.Esam}, {@link org.msam.config.Mesa}) and puts one {@link SharpnessAwareListener} on the network, which
 * calls the user's listeners when the network holds θ. It must be called again after a model is restored
 * from disk (the listener is not saved; the optimizer state is, and MSAM derives its c from it at each step).
 *
 * <p>{@link #install(MultiLayerNetwork, Accumulation, TrainingListener...)} adds gradient accumulation: one step
 * every k mini-batches, for every rule and for the base optimizers alone ({@link Accumulation}).
 *
 * <p>Models written directly in SameDiff use {@link #install(SameDiff)}: the same algorithms, run by an ND4J
 * {@link Listener} during {@code sd.fit(...)}, with the variables at θ between iterations.
 */
public final class SharpnessAware {
    private SharpnessAware() {
    }

    /**
     * Installs the driver of the network's sharpness-aware rule on a network; idempotent (an accumulation set by an
     * earlier install is kept).
     *
     * @param net       an initialised network whose trainable parameters use the updater of one registered rule
     * @param listeners the user's listeners (added to those already on the network)
     * @return the installed listener
     * @throws IllegalStateException if the configuration has no sharpness-aware updater, mixes them, or uses an
     *                               unsupported feature (truncated BPTT; constraints with MSAM)
     */
    public static SharpnessAwareListener install(MultiLayerNetwork net, TrainingListener... listeners) {
        return installOn(net, listeners);
    }

    /**
     * Installs the driver of the graph's sharpness-aware rule on a computation graph; idempotent. See {@link #install(MultiLayerNetwork,
     * TrainingListener...)}.
     *
     * @param net       an initialised graph whose trainable parameters use the updater of one registered rule
     * @param listeners the user's listeners (added to those already on the graph)
     * @return the installed listener
     */
    public static SharpnessAwareListener install(ComputationGraph net, TrainingListener... listeners) {
        return installOn(net, listeners);
    }

    /**
     * Installs the driver with gradient accumulation (docs/ALGORITHMS.md, "Gradient accumulation"): one optimizer step
     * every {@code k} mini-batches, on the mean gradient of the {@code k} weighted by their example counts; idempotent
     * (installing again with another k drops a window not yet stepped).
     *
     * <pre>{@code
     * SharpnessAware.install(net, Accumulation.steps(8), new ScoreIterationListener(10));
     * net.fit(trainBatches128, epochs);   // a step per 8 mini-batches of 128: the step of a batch of 1024
     * }</pre>
     *
     * <p>The configuration may use any of the library's sharpness-aware updaters, or none: with a base optimizer
     * alone ({@link org.msam.config.SgdMomentum}, {@link org.msam.config.AdamW} with its decoupled decay, or an ND4J
     * updater) the driver runs the base step on the accumulated gradient. The listeners given here see {@code
     * onGradientCalculation} (with the accumulated gradient) and {@code iterationDone} once per step, the passes'
     * callbacks once per micro-batch; between micro-batches the network holds θ and the iteration count of the steps
     * taken. Works with {@code fit(DataSet)}, {@code fit(INDArray, INDArray)} loops, {@code fit(iterator)} and {@link
     * #parallelWrapper} (each worker accumulates its own window).
     *
     * @param net          an initialised network
     * @param accumulation the micro-batches per step ({@link Accumulation#none()}: a step per mini-batch)
     * @param listeners    the user's listeners (added to those already on the network)
     * @return the installed listener
     * @throws IllegalStateException with truncated BPTT and k &gt; 1, or a configuration that mixes rules
     */
    public static SharpnessAwareListener install(MultiLayerNetwork net, Accumulation accumulation,
                                                 TrainingListener... listeners) {
        return installOn(net, requireAccumulation(accumulation), listeners);
    }

    /**
     * Installs the driver with gradient accumulation on a computation graph; see {@link #install(MultiLayerNetwork,
     * Accumulation, TrainingListener...)}.
     *
     * @param net          an initialised graph
     * @param accumulation the micro-batches per step
     * @param listeners    the user's listeners (added to those already on the graph)
     * @return the installed listener
     */
    public static SharpnessAwareListener install(ComputationGraph net, Accumulation accumulation,
                                                 TrainingListener... listeners) {
        return installOn(net, requireAccumulation(accumulation), listeners);
    }

    private static Accumulation requireAccumulation(Accumulation a) {
        if (a == null) {
            throw new IllegalArgumentException("SharpnessAware.install(net, accumulation, ...): accumulation is null; "
                    + "use Accumulation.none() for a step per mini-batch or Accumulation.steps(k)");
        }
        return a;
    }

    static SharpnessAwareListener installOn(Model model, TrainingListener... listeners) {
        return installOn(model, null, listeners);
    }

    /**
     * @param accumulation the accumulation to set, or null to keep the driver's (none for a new driver)
     */
    static SharpnessAwareListener installOn(Model model, Accumulation accumulation, TrainingListener... listeners) {
        Net net = Net.ofInitialised(model, "SharpnessAware.install(net)");
        Collection<TrainingListener> current = net.listeners();
        SharpnessAwareListener existing = find(current);
        SharpnessAwareListener listener = existing != null ? existing : new SharpnessAwareListener();
        if (accumulation != null) {
            listener.accumulate(accumulation);
        }
        listener.bind(net);
        List<TrainingListener> users = new ArrayList<>();
        if (existing != null) {
            users.addAll(existing.getUserListeners());
        }
        for (TrainingListener l : current) {
            if (!(l instanceof SharpnessAwareListener) && !(l instanceof DecoupledWeightDecay) && !users.contains(l)) {
                users.add(l);
            }
        }
        for (TrainingListener l : listeners) {
            if (l != null && !(l instanceof SharpnessAwareListener) && !users.contains(l)) {
                users.add(l);
            }
        }
        listener.setUserListeners(users);
        List<TrainingListener> all = new ArrayList<>();
        all.add(listener);
        net.setListeners(all);
        return listener;
    }

    /**
     * DL4J's ParallelWrapper builder, set up for this library's optimizers: the user sets workers, averaging
     * frequency, updater averaging and training mode on it as DL4J documents, and {@code build()} makes a {@link
     * SharpnessAwareParallelWrapper} in which every worker's network has its own driver.
     *
     * <pre>{@code
     * SharpnessAware.install(net, new ScoreIterationListener(100));     // as on one device
     * ParallelWrapper pw = SharpnessAware.parallelWrapper(net)
     *         .workers(2)
     *         .averagingFrequency(1)
     *         .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
     *         .build();
     * for (int epoch = 0; epoch < epochs; epoch++) {
     *     pw.fit(train);                                                // net holds the averaged θ after each call
     * }
     * }</pre>
     *
     * <p>Needs {@code org.deeplearning4j:deeplearning4j-parallel-wrapper} on the class path (an optional dependency of
     * msam-dl4j). Works for networks with any of the library's optimizers, sharpness-aware or not (with
     * {@link DecoupledWeightDecay} for plain AdamW). A plain DL4J {@code ParallelWrapper} on a network with SAM/MSAM
     * installed is refused at its first step.
     *
     * @param net an initialised MultiLayerNetwork or ComputationGraph; SAM/MSAM installed on it if it uses them
     * @return the builder
     * @throws IllegalStateException when the network is not initialised or DL4J's ParallelWrapper is not on the class
     *                               path
     */
    public static org.deeplearning4j.parallelism.ParallelWrapper.Builder parallelWrapper(Model net) {
        try {
            return SharpnessAwareParallelWrapper.builder(net);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("SharpnessAware.parallelWrapper needs DL4J's ParallelWrapper on the class "
                    + "path: add the dependency org.deeplearning4j:deeplearning4j-parallel-wrapper:1.0.0-M2.1 ("
                    + e.getMessage() + " is missing)", e);
        }
    }

    /** @return the SAM/MSAM listener installed on {@code model}, or null */
    public static SharpnessAwareListener listener(Model model) {
        return find(Net.of(model).listeners());
    }

    private static SharpnessAwareListener find(Collection<TrainingListener> listeners) {
        for (TrainingListener l : listeners) {
            if (l instanceof SharpnessAwareListener) {
                return (SharpnessAwareListener) l;
            }
        }
        return null;
    }

    private static SharpnessAwareListener require(Model model) {
        SharpnessAwareListener l = listener(model);
        if (l == null) {
            throw new IllegalStateException("No SAM/MSAM listener on this model: call SharpnessAware.install(net) first");
        }
        return l;
    }

    /**
     * MESA's EMA weights as a network, for evaluation: a new MultiLayerNetwork with the configuration of {@code net},
     * the EMA weights θ_ema in its trainable parameters and {@code net}'s BatchNorm running statistics. The trained
     * network is not changed. (Its updater is Mesa: train it only after {@link #install}.)
     *
     * @param net a network trained with Mesa, with {@link #install} called
     * @return the copy at θ_ema
     * @throws IllegalStateException when the network is not trained with Mesa
     */
    public static MultiLayerNetwork emaModel(MultiLayerNetwork net) {
        return (MultiLayerNetwork) teacher(net).emaModel();
    }

    /**
     * MESA's EMA weights as a graph, for evaluation; see {@link #emaModel(MultiLayerNetwork)}.
     *
     * @param net a graph trained with Mesa, with {@link #install} called
     * @return the copy at θ_ema
     */
    public static ComputationGraph emaModel(ComputationGraph net) {
        return (ComputationGraph) teacher(net).emaModel();
    }

    private static MesaTeacher teacher(Model model) {
        SharpnessAwareListener l = require(model);
        l.bind(Net.of(model));
        if (l.teacher() == null) {
            throw new IllegalStateException("The network is trained with " + l.rule().name() + ", not Mesa: it has no "
                    + "EMA weights");
        }
        return l.teacher();
    }

    /**
     * @return true while the model holds perturbed weights θ̃: only inside a training step of MSAM (between the hook
     *     before its forward pass and its update); false outside a step
     */
    public static boolean isPerturbed(Model model) {
        SharpnessAwareListener l = listener(model);
        return l != null && l.isPerturbed(Net.of(model));
    }

    /**
     * Moves the model to the true weights θ (a no-op outside a training step, where it holds θ already); the next step
     * applies the perturbation it needs itself.
     */
    public static void removePerturbation(Model model) {
        require(model).removePerturbation(Net.of(model));
    }

    /**
     * Moves the model to the weights the next step's gradient is taken at (MSAM: θ̃; a no-op for the other rules), as
     * the driver does before every step's forward pass: for code that must read θ̃ outside a step.
     */
    public static void applyPerturbation(Model model) {
        require(model).applyPerturbation(Net.of(model));
    }

    /**
     * For data-parallel trainers that average the parameters and the optimizer state of several copies of a network
     * (docs/ALGORITHMS.md, "Data-parallel training"): call it on a model that holds θ once its parameters and updater
     * state were replaced by the averages. It checks that the model holds θ and tells the rule that its state was
     * replaced. The next step then derives what it needs from the averages (MSAM: c = ρ/(‖v̄‖ + δ); adaptive MSAM: e
     * from T = |θ̄| + η_a), as it does at every step, so the averaged model follows the averaged momentum. The model
     * stays at θ. Averaging θ̃ instead of θ is refused.
     *
     * @param model a model with SAM/MSAM installed, holding the averaged θ and optimizer state
     * @throws IllegalStateException if the model holds perturbed weights, or SAM/MSAM is not installed
     */
    public static void afterAveraging(Model model) {
        SharpnessAwareListener l = require(model);
        Net net = Net.of(model);
        l.bind(net);
        if (l.rule().isPerturbed()) {
            throw new IllegalStateException(l.rule().name() + ": the averaged model holds perturbed weights; average "
                    + "the true weights θ (call SharpnessAware.removePerturbation(copy) on each copy before its "
                    + "parameters are read)");
        }
        int iteration = net.iteration();
        if (iteration > 0) {
            l.stateReplaced(net, iteration - 1, net.epoch());
        }
    }

    /**
     * Kept for trainers written against earlier versions, which called it before each {@code fit(DataSet)} of a copy
     * (dl4j-spark's workers): it moves the model to the weights the next step's gradient is taken at (MSAM:
     * θ̃ = θ − c·v), which the driver now does itself at the start of every step. The step then lands on θ as
     * usual, and {@link #removePerturbation(Model)} after it is a no-op.
     *
     * @param model a model with SAM/MSAM installed
     * @throws IllegalStateException if SAM/MSAM is not installed
     */
    public static void prepareStep(Model model) {
        require(model).applyPerturbation(Net.of(model));
    }

    /**
     * A scope in which the model holds θ, for a listener that evaluates or saves inside a training step (its {@code
     * onForwardPass}, {@code onBackwardPass} or {@code onGradientCalculation}, where MSAM's network holds θ̃).
     * Outside a step the network already holds θ and the scope does nothing; it is kept for code written against
     * earlier versions, which needed it between {@code fit(DataSet)} calls.
     * <pre>{@code
     * try (PerturbationScope s = SharpnessAware.unperturbed(net)) {
     *     net.evaluate(test);
     * }
     * }</pre>
     *
     * @param model a model with SAM/MSAM installed
     * @return the scope; closing it restores the perturbation if there was one
     */
    public static PerturbationScope unperturbed(Model model) {
        SharpnessAwareListener l = require(model);
        Net net = Net.of(model);
        boolean was = l.isPerturbed(net);
        l.removePerturbation(net);
        return new PerturbationScope(() -> l.applyPerturbation(net), was);
    }

    /**
     * Ends training: leaves the model at θ and, for MSAM on a model with BatchNormalization, recomputes the
     * running statistics at θ with forward/backward passes over {@code data} whose only effect is the
     * statistics' update (no trainable parameter changes).
     *
     * @param model      the model
     * @param data       training data for the statistics (reset first when supported)
     * @param maxBatches the number of batches to use (≤ 0: the whole iterator)
     */
    public static void finish(Model model, DataSetIterator data, int maxBatches) {
        SharpnessAwareListener l = require(model);
        Net net = Net.of(model);
        l.removePerturbation(net);
        if (!l.rule().needs().contains(Need.HELD_PERTURBATION) || data == null || !BatchNormStatistics.present(net)) {
            return;
        }
        if (data.resetSupported()) {
            data.reset();
        }
        NetworkHost host = l.host();
        l.internally(() -> {
            int n = 0;
            while (data.hasNext() && (maxBatches <= 0 || n < maxBatches)) {
                BatchNormStatistics.update(host, data.next());
                n++;
            }
        });
    }

    /**
     * {@link #finish(Model, DataSetIterator, int)} over the whole iterator (one epoch, as the MSAM reference).
     *
     * @param model the model
     * @param data  training data for the BatchNorm statistics
     */
    public static void finish(Model model, DataSetIterator data) {
        finish(model, data, 0);
    }

    /**
     * Installs SAM or MSAM on a SameDiff instance, so that {@code sd.fit(...)} trains with it; idempotent. The
     * {@code TrainingConfig}'s updater must be an {@link Msam} or a {@link Sam}; the listener is added to
     * {@code sd.getListeners()} (replacing an earlier SAM/MSAM or {@link SameDiffDecoupledWeightDecay} listener, whose
     * work it includes).
     *
     * <pre>{@code
     * sd.setTrainingConfig(TrainingConfig.builder()
     *         .updater(Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(3.0).build())
     *         .l2(5e-4)
     *         .dataSetFeatureMapping("in").dataSetLabelMapping("label")
     *         .build());
     * SharpnessAware.install(sd);
     * sd.fit(train, epochs);
     * sd.save(file, true);                 // the variables hold θ, with the updater state
     * SameDiff restored = SameDiff.load(file, true);
     * SharpnessAware.install(restored);    // again after loading, before training on
     * }</pre>
     *
     * <p>Between iterations the variables hold the true weights θ, for MSAM too (see {@link
     * SameDiffSharpnessAwareListener}). Call it after the TrainingConfig is set, and again on an instance loaded from
     * disk or after {@code setTrainingConfig} with a different algorithm.
     *
     * @param sd a SameDiff instance with its TrainingConfig set
     * @return the installed listener
     * @throws IllegalStateException if there is no TrainingConfig, its updater is neither Msam nor Sam, or it
     *                               maximizes instead of minimizing
     */
    public static SameDiffSharpnessAwareListener install(SameDiff sd) {
        return install(sd, new TrainingListener[0]);
    }

    /**
     * {@link #install(SameDiff, TrainingListener...)} with an accumulation, for code shared with networks: only {@link
     * Accumulation#none()} is accepted. SameDiff steps each variable as soon as its gradient exists, inside one {@code
     * fit} call, so there is no point at which k mini-batches could share a step.
     *
     * @param sd           a SameDiff instance with its TrainingConfig set
     * @param accumulation {@link Accumulation#none()}
     * @param extras       a {@link GlobalGradientClipping} and/or an {@link MsamDiagnostics}
     * @return the installed listener
     * @throws UnsupportedOperationException for k &gt; 1
     */
    public static SameDiffSharpnessAwareListener install(SameDiff sd, Accumulation accumulation,
                                                         TrainingListener... extras) {
        if (requireAccumulation(accumulation).microBatches() > 1) {
            throw new UnsupportedOperationException("Gradient accumulation (" + accumulation + ") is not supported on "
                    + "SameDiff: SameDiff updates each variable as soon as its gradient exists, so k mini-batches "
                    + "cannot share a step. Train the model as a ComputationGraph (SameDiffLayer/SameDiffVertex for "
                    + "custom parts) with SharpnessAware.install(graph, " + accumulation + "), or use a mini-batch k "
                    + "times larger.");
        }
        return install(sd, extras);
    }

    /**
     * {@link #install(SameDiff)} with global gradient-norm clipping and MSAM diagnostics, the same objects a network
     * takes: see {@link SameDiffSharpnessAwareListener} for where they run. Other listeners belong on
     * {@code sd.addListeners(...)}.
     *
     * @param sd     a SameDiff instance with its TrainingConfig set
     * @param extras a {@link GlobalGradientClipping} and/or an {@link MsamDiagnostics}
     * @return the installed listener
     * @throws IllegalArgumentException for any other listener
     */
    public static SameDiffSharpnessAwareListener install(SameDiff sd, TrainingListener... extras) {
        GlobalGradientClipping clipping = null;
        MsamDiagnostics diagnostics = null;
        for (TrainingListener l : extras) {
            if (l instanceof GlobalGradientClipping) {
                clipping = (GlobalGradientClipping) l;
            } else if (l instanceof MsamDiagnostics) {
                diagnostics = (MsamDiagnostics) l;
            } else if (l != null) {
                throw new IllegalArgumentException("SharpnessAware.install(sd, ...) takes GlobalGradientClipping and "
                        + "MsamDiagnostics only, got " + l.getClass().getName() + ": add SameDiff listeners with "
                        + "sd.addListeners(...)");
            }
        }
        SameDiffSharpnessAwareListener installed = installOn(sd);
        if (clipping != null && installed.rule().needs().contains(Need.STEP_GRADIENT_TERM)) {
            throw new IllegalStateException("GlobalGradientClipping on SameDiff needs the step gradient's norm before "
                    + "SameDiff steps the first variable, and " + installed.rule().name() + " changes the gradient "
                    + "variable by variable: clip on a MultiLayerNetwork or ComputationGraph, or use a rule that adds no "
                    + "term to the step gradient (" + Rules.all().stream().filter(r -> !r.needs(Need.STEP_GRADIENT_TERM))
                    .map(RuleSpec::name).collect(java.util.stream.Collectors.joining(", ")) + ").");
        }
        installed.setExtras(clipping, diagnostics);
        return installed;
    }

    private static SameDiffSharpnessAwareListener installOn(SameDiff sd) {
        TrainingConfig tc = sd.getTrainingConfig();
        if (tc == null) {
            throw new IllegalStateException("Set a TrainingConfig with an Msam or Sam updater (sd.setTrainingConfig(...))"
                    + " before SharpnessAware.install(sd)");
        }
        if (!tc.isMinimize()) {
            throw new IllegalStateException("SAM and MSAM minimize the loss: the TrainingConfig has minimize = false");
        }
        SameDiffSharpnessAwareListener existing = find(sd);
        SameDiffSharpnessAwareListener listener = existing != null ? existing : new SameDiffSharpnessAwareListener(sd);
        SharpnessRule rule = listener.bound();
        if (rule.needs().contains(Need.TEACHER_FORWARD)) {
            throw new IllegalStateException(rule.name() + " adds a distillation term to the gradient of the loss with "
                    + "respect to the output logits, and SameDiff takes its gradient from the graph's loss variables "
                    + "only: train a MultiLayerNetwork or ComputationGraph with Mesa, or add the term to your graph's "
                    + "loss.");
        }
        if (rule.needs().contains(Need.SAMPLE_LOSSES)) {
            throw new IllegalStateException(rule.name() + "'s sample selection needs the loss of each sample, and a "
                    + "SameDiff loss variable is already reduced over the mini-batch: build the optimizer with "
                    + "sampleFraction(1) on SameDiff (stochastic weight perturbation only), or train a "
                    + "MultiLayerNetwork or ComputationGraph.");
        }
        if (existing != null) {
            return existing;
        }
        List<Listener> all = new ArrayList<>();
        all.add(listener.lossReport());
        for (Listener l : sd.getListeners()) {
            if (!(l instanceof SameDiffSharpnessAwareListener) && !(l instanceof SameDiffDecoupledWeightDecay)) {
                all.add(l);
            }
        }
        all.add(listener);
        sd.setListeners(all);
        return listener;
    }

    private static SameDiffSharpnessAwareListener find(SameDiff sd) {
        for (Listener l : sd.getListeners()) {
            if (l instanceof SameDiffSharpnessAwareListener && ((SameDiffSharpnessAwareListener) l).sameDiff() == sd) {
                return (SameDiffSharpnessAwareListener) l;
            }
        }
        return null;
    }

    /**
     * @param sd a SameDiff instance
     * @return true while some variable holds perturbed weights: only inside a training iteration (or after one was
     *     aborted by an exception); false without a SAM/MSAM listener
     */
    public static boolean isPerturbed(SameDiff sd) {
        SameDiffSharpnessAwareListener l = find(sd);
        return l != null && l.isPerturbed();
    }

    /**
     * A scope in which every variable holds θ, for listeners that evaluate or save inside a training iteration, or
     * to clean up after an iteration aborted by an exception. Between iterations SameDiff already holds θ and the
     * scope does nothing (the perturbation is re-applied on closing only if it was there on opening, which happens
     * only inside a training iteration or after one was aborted).
     *
     * @param sd a SameDiff instance with SAM/MSAM installed
     * @return the scope; closing it restores the perturbation if there was one
     * @throws IllegalStateException if SAM/MSAM is not installed
     */
    public static PerturbationScope unperturbed(SameDiff sd) {
        SameDiffSharpnessAwareListener l = find(sd);
        if (l == null) {
            throw new IllegalStateException("No SAM/MSAM listener on this SameDiff instance: call "
                    + "SharpnessAware.install(sd) first");
        }
        SharpnessRule rule = l.rule();
        boolean was = rule.isPerturbed();
        rule.toTrue();
        return new PerturbationScope(() -> rule.toHeld(sd.getTrainingConfig().getIterationCount(),
                sd.getTrainingConfig().getEpochCount()), was);
    }
}
