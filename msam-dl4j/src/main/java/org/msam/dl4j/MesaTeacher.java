package org.msam.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.msam.rule.Distillation;
import org.msam.rule.MesaRule;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What {@link MesaRule} needs of a DL4J network: the logits of the EMA weights on the mini-batch being trained, in
 * inference mode, and their distillation term inside the training pass's output-layer gradient.
 *
 * <p>DL4J has no hook before the forward pass, so the driver calls {@link #beforeBackward()} from {@code
 * onForwardPass}, after the forward pass and before the output layer's backward pass. There it copies θ_ema (and the
 * BatchNorm running statistics of the training network) into an inference copy of the network, runs that copy's
 * forward pass on the mini-batch's features, and sets each output layer's loss function to a {@link DistillationLoss}
 * that adds λ·τ·(softmax(z/τ) − softmax(z_ema/τ)) to the base loss's per-sample gradient; {@link #restore()} (from
 * {@code onBackwardPass}) puts the base loss back. The copy's forward pass runs on a worker thread, because the
 * training pass's workspaces are open on the training thread and DL4J's inference refuses to run inside them.
 *
 * <p>z_ema is taken as the logarithm of the EMA network's softmax output: that is z_ema minus a constant per sample,
 * which the softmax of the term ignores (exact in double; with float32 a class of probability below 1e-38 counts as
 * 0 instead of e^(Δz/τ)-small). The reported score is the base loss's.
 */
final class MesaTeacher {
    private final NetworkHost host;
    private final Distillation rule;
    private final List<BaseOutputLayer> outputs = new ArrayList<>();
    private final List<ILossFunction> originals = new ArrayList<>();
    private Model copy;
    private ThreadPoolExecutor worker;

    /**
     * @throws IllegalStateException when an output layer is not a softmax output layer
     */
    MesaTeacher(NetworkHost host, Distillation rule) {
        this.host = host;
        this.rule = rule;
        for (Layer l : outputLayers(host.net.model)) {
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            if (!(conf instanceof BaseOutputLayer)
                    || !(((BaseOutputLayer) conf).getActivationFn() instanceof ActivationSoftmax)) {
                throw new IllegalStateException("MESA distils the softmax of the output layer's logits, and output "
                        + "layer \"" + conf.getLayerName() + "\" is " + conf.getClass().getSimpleName()
                        + (conf instanceof BaseOutputLayer ? " with activation "
                        + ((BaseOutputLayer) conf).getActivationFn() : "") + ": use an OutputLayer with "
                        + "Activation.SOFTMAX.");
            }
            outputs.add((BaseOutputLayer) conf);
            originals.add(((BaseOutputLayer) conf).getLossFn());
        }
    }

    private static List<Layer> outputLayers(Model model) {
        List<Layer> r = new ArrayList<>();
        if (model instanceof MultiLayerNetwork) {
            r.add(((MultiLayerNetwork) model).getOutputLayer());
        } else {
            ComputationGraph g = (ComputationGraph) model;
            for (String name : g.getConfiguration().getNetworkOutputs()) {
                Layer l = g.getLayer(name);
                if (!(l instanceof IOutputLayer)) {
                    throw new IllegalStateException("MESA needs output layers: network output \"" + name
                            + "\" is not one");
                }
                r.add(l);
            }
        }
        return r;
    }

    /** @return the rule */
    Distillation rule() {
        return rule;
    }

    /** Runs the EMA network's forward pass on the mini-batch and puts the distillation term into the output layers. */
    void beforeBackward() {
        restore();
        rule.startTeacher();
        INDArray[] zEma;
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            Model m = host.net.model;
            Model teacher = inferenceCopy();
            host.copyEma(teacher.params(), rule);
            Future<INDArray[]> f;
            if (m instanceof MultiLayerNetwork) {
                MultiLayerNetwork mln = (MultiLayerNetwork) m;
                for (Layer l : mln.getLayers()) {
                    if (l != mln.getOutputLayer() && l.getMaskArray() != null) {
                        throw new IllegalStateException("MESA on a MultiLayerNetwork does not support feature masks: "
                                + "use a ComputationGraph");
                    }
                }
                INDArray x = mln.getInput().dup();
                f = worker().submit(() -> new INDArray[] {((MultiLayerNetwork) teacher).output(x, false)});
            } else {
                ComputationGraph g = (ComputationGraph) m;
                INDArray[] x = dup(g.getInputs());
                INDArray[] fm = dup(g.getInputMaskArrays());
                INDArray[] lm = dup(g.getLabelMaskArrays());
                f = worker().submit(() -> ((ComputationGraph) teacher).output(false, x, fm, lm));
            }
            INDArray[] p = get(f);
            zEma = new INDArray[p.length];
            for (int o = 0; o < p.length; o++) {
                if (p[o].rank() != 2) {
                    throw new IllegalStateException("MESA supports 2-d outputs [samples, classes]; output " + o
                            + " has shape " + java.util.Arrays.toString(p[o].shape()));
                }
                zEma[o] = Transforms.log(p[o], true);
            }
        }
        double lambda = rule.lambda();
        double tau = rule.temperature();
        for (int o = 0; o < outputs.size(); o++) {
            outputs.get(o).setLossFn(new DistillationLoss(originals.get(o), zEma[o], lambda, tau));
        }
    }

    /** Puts the base loss functions back (idempotent). */
    void restore() {
        for (int o = 0; o < outputs.size(); o++) {
            if (outputs.get(o).getLossFn() instanceof DistillationLoss) {
                outputs.get(o).setLossFn(originals.get(o));
            }
        }
    }

    /** @return a new network like the trained one, holding θ_ema (and the trained network's other parameters) */
    Model emaModel() {
        rule.startTeacher();
        Model m = newCopy(host.net.model);
        host.copyEma(m.params(), rule);
        return m;
    }

    private Model inferenceCopy() {
        if (copy == null) {
            copy = newCopy(host.net.model);
        }
        return copy;
    }

    private static Model newCopy(Model m) {
        if (m instanceof MultiLayerNetwork) {
            MultiLayerNetwork mln = (MultiLayerNetwork) m;
            MultiLayerNetwork r = new MultiLayerNetwork(mln.getLayerWiseConfigurations().clone());
            r.init(mln.params().dup(), false);
            return r;
        }
        ComputationGraph g = (ComputationGraph) m;
        ComputationGraph r = new ComputationGraph(g.getConfiguration().clone());
        r.init(g.params().dup(), false);
        return r;
    }

    private ThreadPoolExecutor worker() {
        if (worker == null) {
            worker = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "msam-mesa-teacher");
                t.setDaemon(true);
                return t;
            });
            worker.allowCoreThreadTimeOut(true);
        }
        return worker;
    }

    private static INDArray[] get(Future<INDArray[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while MESA's EMA network ran", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
        }
    }

    private static INDArray[] dup(INDArray[] a) {
        if (a == null) {
            return null;
        }
        INDArray[] r = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] == null ? null : a[i].dup();
        }
        return r;
    }

    /**
     * The base loss with MESA's distillation term in its gradient ({@link MesaRule#addDistillationGradient}); the
     * score is the base loss's. Set on an output layer for one pass only, never serialised.
     */
    static final class DistillationLoss implements ILossFunction {
        private static final long serialVersionUID = 1L;
        private final ILossFunction base;
        private final transient INDArray zEma;
        private final double lambda;
        private final double tau;

        DistillationLoss(ILossFunction base, INDArray zEma, double lambda, double tau) {
            this.base = base;
            this.zEma = zEma;
            this.lambda = lambda;
            this.tau = tau;
        }

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                                   boolean average) {
            return base.computeScore(labels, preOutput, activationFn, mask, average);
        }

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                          INDArray mask) {
            return base.computeScoreArray(labels, preOutput, activationFn, mask);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
                                        INDArray mask) {
            INDArray g = base.computeGradient(labels, preOutput, activationFn, mask);
            MesaRule.addDistillationGradient(g, preOutput, zEma, mask, lambda, tau);
            return g;
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                              IActivation activationFn, INDArray mask,
                                                              boolean average) {
            return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                    computeGradient(labels, preOutput, activationFn, mask));
        }

        @Override
        public String name() {
            return "MESA(" + base.name() + ")";
        }
    }
}
