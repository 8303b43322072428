package org.msam.dl4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.msam.rule.Need;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.msam.rules.Rules;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The driver {@link SharpnessAware#install} puts on a MultiLayerNetwork or ComputationGraph: it runs the network's
 * sharpness-aware rule (made by the updater configuration) at DL4J's callbacks, so that outside a training step the
 * network always holds the true weights θ.
 *
 * <p>Per step (every {@code fit(DataSet)}, {@code fit(INDArray, INDArray)}, {@code fit(iterator)} mini-batch and every
 * truncated-BPTT segment):
 * <ol>
 *   <li>before the forward pass ({@link StepHook}, DL4J's accumulator hook): the network moves to the weights the
 *       step's gradient is taken at (MSAM: θ̃ = θ − c·v; the other rules: θ);</li>
 *   <li>DL4J's forward/backward pass at those weights (between its forward and backward, {@code onForwardPass} lets
 *       ESAM record the per-sample losses and MESA put the EMA network's distillation term into the output layers'
 *       gradient);</li>
 *   <li>{@code onGradientCalculation}: a non-finite loss or gradient is refused (the network is moved back to θ and
 *       nothing changes; the next clean batch trains); the rule's phase before the step gradient (SAM: the ascent,
 *       after which the pass is run again at θ + e); each variable's step gradient is handed to the rule (SAM restores
 *       θ); the user's {@code onGradientCalculation} (gradient clipping, diagnostics) runs;</li>
 *   <li>DL4J's updater takes the base step; MSAM's update removes the perturbation, so {@code params -= update}
 *       lands on θ;</li>
 *   <li>{@code iterationDone}: the rule's phase after the step (LookSAM's and the gradient-free directions' state), then the user's listeners, at θ, as
 *       every listener DL4J calls afterwards (listeners added with {@code net.addListeners}, checkpoints, early
 *       stopping) and DL4J's layer constraints, which act on θ.</li>
 * </ol>
 * The internal passes are not shown to the user's listeners, and leave BatchNorm's running statistics and the reported
 * score as the step's own pass left them. A step that ends in an exception thrown by the driver, a rule or a user's
 * listener leaves the network at θ.
 *
 * <p>With gradient accumulation ({@link Accumulation}, set at install) the steps above run per micro-batch up to the
 * rule's phases of step 3, and a micro-batch that does not end its window of k stops there ({@link MicroBatchWindow}):
 * its step gradient joins the window's sum, its BatchNorm statistics are applied, DL4J's updater and step leave the
 * weights and the optimizer state alone, the network moves back to θ, and the iteration count stays. The last
 * micro-batch of the window carries the window's weighted mean into steps 3-5: the user's {@code onGradientCalculation}
 * and {@code iterationDone} run once per step.
 *
 * <p>A solver that DL4J rebuilds without the hook ({@code net.clear()}) gets it back at the next step's first
 * callback; that one step takes its pass at θ and runs it again at θ̃ (exact, one extra pass). Without this driver
 * the library's sharpness-aware updaters refuse to step.
 *
 * <p>The listener is {@link Serializable}, for trainers that send listeners to other machines (dl4j-spark): its
 * bindings to a network are transient and rebuilt on the copy it is next called on; the user's listeners travel with
 * it and must be serializable too.
 */
public final class SharpnessAwareListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 2L;

    private List<TrainingListener> userListeners = Collections.emptyList();
    private transient NetworkHost host;
    private transient SharpnessRule rule;
    private transient MesaTeacher teacher;
    /** The iteration of a micro-batch held back in its accumulation window, until its iterationDone. */
    private int heldBack = Integer.MIN_VALUE;
    private transient INDArray[] labels;
    /** Whether a user listener reads the mini-batch's labels after the pass ({@link MsamDiagnostics}). */
    private boolean keepLabels;
    /** Micro-batches per optimizer step, and whether a configuration without a sharpness-aware updater is driven. */
    private Accumulation accumulation = Accumulation.none();
    private boolean baseAllowed;
    private transient MicroBatchWindow window;

    SharpnessAwareListener() {
    }

    /** @return the user's listeners, in the order they are called */
    public List<TrainingListener> getUserListeners() {
        return userListeners;
    }

    void setUserListeners(List<TrainingListener> listeners) {
        this.userListeners = Collections.unmodifiableList(new ArrayList<>(listeners));
        this.keepLabels = listeners.stream().anyMatch(l -> l instanceof MsamDiagnostics);
    }

    /** @return the gradient accumulation of this driver ({@link Accumulation#none()} unless set at install) */
    public Accumulation getAccumulation() {
        return accumulation;
    }

    /**
     * Sets the accumulation; a different k drops the open window. With any accumulation given at install, a
     * configuration without a sharpness-aware updater is driven with its base optimizer alone.
     */
    void accumulate(Accumulation a) {
        baseAllowed = true;
        if (!a.equals(accumulation)) {
            if (window != null) {
                window.restart();
            }
            accumulation = a;
            window = null;
        }
    }

    /** @return the open accumulation window (made on first use) */
    MicroBatchWindow window() {
        if (window == null) {
            window = new MicroBatchWindow(accumulation);
        }
        return window;
    }

    /** @return the rule this driver runs (null before the first {@link SharpnessAware#install}) */
    public SharpnessRule rule() {
        return rule;
    }

    /** @return the host the rule runs on, bound to the model's current updater */
    NetworkHost host() {
        return host;
    }

    /** @return the labels of the mini-batch being trained (from the last pass the user's listeners saw), or null */
    INDArray[] labels() {
        return labels;
    }

    /** Binds to the model's updater blocks and validates its configuration, unless already bound to them. */
    void bind(Net net) {
        if (host != null && host.net.model != net.model) {
            throw new IllegalStateException("This SharpnessAwareListener drives another network: the optimizer state "
                    + "it keeps in step belongs to one model. Call SharpnessAware.install(net) on each network. For "
                    + "DL4J's ParallelWrapper, which hands one listener to several model copies, build the wrapper "
                    + "with SharpnessAware.parallelWrapper(net) instead of new ParallelWrapper.Builder(net).");
        }
        if (host != null && (holdsBackStep() || !host.isStale(net))) {
            // (while a micro-batch is held back, DL4J's updater is without its blocks until the step hook)
            hook(net);
            return;
        }
        NetworkHost h = NetworkHost.of(net);
        SharpnessRule r = ruleFor(h, baseAllowed);
        if (accumulation.microBatches() > 1
                && net.backpropType() == org.deeplearning4j.nn.conf.BackpropType.TruncatedBPTT) {
            throw new IllegalStateException("Gradient accumulation (" + accumulation + ") cannot run with truncated "
                    + "BPTT: DL4J takes an optimizer step after every segment of a sequence, inside one fit call, so "
                    + "the segments of k mini-batches cannot share a step. Train with BackpropType.Standard, or "
                    + "install without accumulation (Accumulation.none()) and use a larger mini-batch.");
        }
        if (net.backpropType() == org.deeplearning4j.nn.conf.BackpropType.TruncatedBPTT
                && (r.needs().contains(Need.SAMPLE_LOSSES) || r.needs().contains(Need.TEACHER_FORWARD))) {
            throw new IllegalStateException(r.name() + (r.needs().contains(Need.SAMPLE_LOSSES)
                    ? " with sample selection (sampleFraction < 1) runs a pass on part of the mini-batch, which "
                    + "truncated BPTT's carried recurrent state cannot take: use sampleFraction(1), or "
                    : " runs its EMA network on each mini-batch, which has no recurrent state of its own under "
                    + "truncated BPTT: ") + "train with BackpropType.Standard.");
        }
        MesaTeacher t = r.needs().contains(Need.TEACHER_FORWARD) ? new MesaTeacher(h, r.distillation()) : null;
        h.bindUpdaters();
        if (teacher != null) {
            teacher.restore();
        }
        if (host != null) {
            host.stopRecording();
        }
        if (window != null) {
            window.restart();
        }
        host = h;
        rule = r;
        teacher = t;
        hook(net);
    }

    /** Puts the {@link StepHook} on the network's solver, around any accumulator already there. */
    private void hook(Net net) {
        org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator current = net.accumulator();
        if (current instanceof StepHook && ((StepHook) current).belongsTo(this, net.model)) {
            return;
        }
        share(net, current instanceof StepHook ? ((StepHook) current).inner() : current);
    }

    /**
     * Sets DL4J's gradient sharing on the network (ParallelWrapper's SHARED_GRADIENTS mode), inside the step hook.
     *
     * @param net         the network this driver is bound to
     * @param accumulator the accumulator that shares the network's updates, or null to detach it
     */
    void share(Net net, org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator) {
        net.setAccumulator(new StepHook(this, net.model, accumulator));
    }

    /**
     * Before a step's forward pass: moves the network to the weights the step's gradient is taken at. A driver that
     * is no longer among the network's listeners ({@code setListeners} after {@code install}) moves nothing, and the
     * updater then refuses the step.
     */
    void beforeForward(Model model) {
        if (!Net.of(model).listeners().contains(this)) {
            return;
        }
        Net net = prepared(model);
        if (window != null) {
            window.release();
        }
        heldBack = Integer.MIN_VALUE;
        rule.toHeld(net.iteration(), net.epoch());
    }

    /** After DL4J subtracted the step's update: the network holds θ (a no-op unless a step was cut short). */
    void afterStepApplied(Model model) {
        if (window != null) {
            window.release();
        }
        if (rule != null) {
            rule.toTrue();
        }
    }

    /**
     * @return true while a micro-batch that does not end its accumulation window passes through DL4J's updater and
     *     step: the step is not applied and is not shared
     */
    boolean holdsBackStep() {
        return window != null && window.holding();
    }

    /**
     * @return the rule of a network's configuration, over its variables
     * @throws IllegalStateException when no trainable parameter uses a sharpness-aware updater, or they mix several
     */
    static SharpnessRule ruleFor(NetworkHost h, boolean baseAllowed) {
        SharpnessAwareConfig cfg = h.sharpnessAwareConfig();
        if (cfg == null && baseAllowed) {
            return new BaseOptimizerOnly();
        }
        if (cfg == null) {
            throw new IllegalStateException("No sharpness-aware updater (" + Rules.configurationNames() + ") in the "
                    + "network configuration: set .updater(Msam.builder().base(...).build()), or another of them, on "
                    + "the builder. For plain AdamW with weight decay use DecoupledWeightDecay.install(net); to "
                    + "accumulate gradients with a base optimizer alone use SharpnessAware.install(net, "
                    + "Accumulation.steps(k)).");
        }
        for (Variable v : h.variables()) {
            Object other = v.updater().getConfig();
            if (other instanceof SharpnessAwareConfig && other.getClass() != cfg.getClass()) {
                String[] names = {cfg.getClass().getSimpleName(), other.getClass().getSimpleName()};
                java.util.Arrays.sort(names);
                throw new IllegalStateException("The configuration mixes " + names[0] + " and " + names[1]
                        + " updaters; use one of them for every trainable layer.");
            }
        }
        return cfg.newRule(h.variables());
    }

    private Net prepared(Model model) {
        Net net = Net.of(model);
        bind(net);
        return net;
    }

    /** @return true while the model holds weights other than θ, as the model's own updater state says */
    boolean isPerturbed(Net net) {
        if (host != null && !host.isStale(net)) {
            return rule.isPerturbed();
        }
        return ruleFor(NetworkHost.of(net), baseAllowed).isPerturbed();
    }

    /** Moves the model to θ. */
    void removePerturbation(Net net) {
        bind(net);
        rule.toTrue();
    }

    /** Moves the model back to the weights the rule keeps between steps. */
    void applyPerturbation(Net net) {
        bind(net);
        rule.toHeld(net.iteration(), net.epoch());
    }

    /**
     * After data-parallel averaging replaced θ and the optimizer state of the network (held at θ): the rule recomputes
     * what it derives from them exactly as after the step of {@code iteration} (MSAM: c from the averaged momentum);
     * the network stays at θ.
     */
    void stateReplaced(Net net, int iteration, int epoch) {
        bind(net);
        rule.afterStep(host, iteration, epoch);
    }

    /** Runs {@code pass} as an internal pass: the user's listeners do not see it. */
    void internally(Runnable pass) {
        host.internalPass = true;
        try {
            pass.run();
        } finally {
            host.internalPass = false;
        }
    }

    private boolean internal() {
        return host != null && host.internalPass;
    }

    @Override
    public void onEpochStart(Model model) {
        prepared(model);
        for (TrainingListener l : userListeners) {
            l.onEpochStart(model);
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        prepared(model);
        rule.toTrue();
        for (TrainingListener l : userListeners) {
            l.onEpochEnd(model);
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (internal()) {
            return;
        }
        Net net = prepared(model);
        inStep(() -> {
            beforeStep(net);
            if (window().holdBack(net, host)) {
                heldBack = net.iteration();
                return;
            }
            for (TrainingListener l : userListeners) {
                l.onGradientCalculation(model);
            }
        });
    }

    /** The rule's phases up to the base step: the step gradient, checked finite, at the weights the rule needs. */
    private void beforeStep(Net net) {
        if (teacher != null) {
            teacher.restore();
        }
        host.stopRecording();
        int iteration = net.iteration();
        int epoch = net.epoch();
        requireFinite(net, iteration, epoch);
        if (rule.beforeStepGradient(host, iteration, epoch)) {
            int[] samples = rule.stepSamples();
            if (samples == null && rule.needs().contains(Need.HELD_PERTURBATION)) {
                host.redoGradient();
            } else if (samples == null) {
                host.recomputeGradient();
            } else {
                host.recomputeGradient(samples);
            }
            requireFinite(net, iteration, epoch);
        }
        for (int i = 0; i < host.variables().size(); i++) {
            rule.stepGradientReady(host, i);
        }
        host.prepareUpdaters(iteration);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (internal()) {
            return;
        }
        Net net = prepared(model);
        if (heldBack == iteration) {
            // A micro-batch inside its window: no step was taken, so the count DL4J is about to increment stays.
            heldBack = Integer.MIN_VALUE;
            net.setIteration(iteration - 1);
            return;
        }
        rule.afterStep(host, iteration, epoch);
        for (TrainingListener l : userListeners) {
            l.iterationDone(model, iteration, epoch);
        }
    }

    /** @return the EMA side of MESA, or null for the other rules */
    MesaTeacher teacher() {
        return teacher;
    }

    /**
     * Between the pass's forward and backward: ESAM's output layers record the per-sample losses; MESA's EMA network
     * runs on the mini-batch and its distillation term goes into the output layers' gradient.
     */
    private void beforeBackward(Model model) {
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
                     org.nd4j.linalg.factory.Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            Net net = prepared(model);
            if (rule.needs().contains(Need.SAMPLE_LOSSES)) {
                host.recordSampleLosses();
            }
            if (teacher != null && teacher.rule().distills(net.epoch())) {
                teacher.beforeBackward();
            }
        }
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        if (!internal()) {
            inStep(() -> {
                beforeBackward(model);
                for (TrainingListener l : userListeners) {
                    l.onForwardPass(model, activations);
                }
            });
        }
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        if (!internal()) {
            inStep(() -> {
                beforeBackward(model);
                for (TrainingListener l : userListeners) {
                    l.onForwardPass(model, activations);
                }
            });
        }
    }

    @Override
    public void onBackwardPass(Model model) {
        if (teacher != null) {
            teacher.restore();
        }
        if (host != null) {
            host.stopRecording();
        }
        if (!internal()) {
            if (keepLabels) {
                labels = NetworkHost.currentLabels(Net.of(model));
            }
            if (host != null && rule.needs().contains(Need.SAMPLE_LOSSES)) {
                host.batchLabels = NetworkHost.currentLabels(Net.of(model));
            }
            inStep(() -> {
                for (TrainingListener l : userListeners) {
                    l.onBackwardPass(model);
                }
            });
        }
    }

    /** Runs part of a step; if it throws, the network is moved back to θ first. */
    private void inStep(Runnable part) {
        try {
            part.run();
        } catch (RuntimeException | Error e) {
            if (window != null) {
                window.release();
            }
            heldBack = Integer.MIN_VALUE;
            if (rule != null) {
                rule.toTrue();
            }
            throw e;
        }
    }

    /**
     * @throws ArithmeticException if the gradient or score is not finite; the step is then not applied
     */
    private void requireFinite(Net net, int iteration, int epoch) {
        double score = net.model.score();
        double sum = net.gradient().sumNumber().doubleValue();
        if (!Double.isFinite(sum) || !Double.isFinite(score)) {
            throw new ArithmeticException(rule.name() + ": non-finite gradient or loss at iteration " + iteration
                    + " (epoch " + epoch + "): loss " + score + ", gradient sum " + sum + ". The step was not"
                    + " applied and the optimizer state is unchanged. Lower the learning rate or rho, check the inputs"
                    + " for NaN/Inf, or clip gradients (GlobalGradientClipping).");
        }
    }
}
