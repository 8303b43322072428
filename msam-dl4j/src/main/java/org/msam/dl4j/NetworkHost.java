package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.msam.rule.Host;
import org.msam.rule.ParamKind;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.Variable;
import org.msam.updater.MomentumUpdater;
import org.msam.updater.ParameterBoundUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.SpecifiedIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * A MultiLayerNetwork or ComputationGraph as a rule's {@link Host}: one {@link Variable} per trainable parameter of
 * every DL4J updater block (views into the network's flat parameter vector and the block's momentum buffer), the
 * gradient DL4J computed (a sum over the mini-batch), and a second pass that leaves BatchNorm's running statistics
 * and the score as the first pass left them, on the whole mini-batch or on some of its rows (ESAM); per-sample losses
 * recorded from the pass or from a forward-only pass. Built once per model and rebuilt when DL4J replaces the updater or
 * the parameter array (init, restore, setUpdater).
 */
final class NetworkHost implements Host {
    final Net net;
    private final INDArray flatParams;
    private final List<UpdaterBlock> blocks;
    private final List<GradientUpdater<?>> updaters;
    private final List<Variable> variables;
    private final List<List<Variable>> blockVariables;
    private final long[] starts;
    private final long[] ends;
    /** [start, end) of the parameters with a NoOp updater: BatchNorm running statistics, frozen layers. */
    private final List<long[]> noOp;
    private final long noOpLength;
    private INDArray noOpBackup;
    /** True while the host runs a pass the user's listeners must not see. */
    boolean internalPass;
    /** The labels of the mini-batch being trained, per output, as the driver read them during the pass. */
    INDArray[] batchLabels;
    /** The output layers' loss functions while {@link #recordSampleLosses()} replaces them, else null. */
    private List<org.deeplearning4j.nn.conf.layers.BaseOutputLayer> recorded;
    private List<org.nd4j.linalg.lossfunctions.ILossFunction> recordedOriginals;
    private double[] passLosses;
    private boolean passLossesComplete;

    private NetworkHost(Net net) {
        this.net = net;
        this.flatParams = net.params();
        this.blocks = net.blocks();
        this.updaters = new ArrayList<>();
        List<Variable> vs = new ArrayList<>();
        List<List<Variable>> bv = new ArrayList<>();
        List<long[]> ranges = new ArrayList<>();
        List<long[]> n = new ArrayList<>();
        long noOpLen = 0;
        for (UpdaterBlock b : blocks) {
            GradientUpdater<?> u = b.getGradientUpdater();
            updaters.add(u);
            if (u.getConfig() instanceof NoOp) {
                n.add(new long[] {b.getParamOffsetStart(), b.getParamOffsetEnd()});
                noOpLen += b.getParamOffsetEnd() - b.getParamOffsetStart();
                bv.add(List.of());
                continue;
            }
            INDArray momentum = null;
            if (u instanceof MomentumUpdater) {
                ((MomentumUpdater) u).resolve(b.getParamOffsetEnd() - b.getParamOffsetStart());
                momentum = ((MomentumUpdater) u).momentum();
            }
            List<Variable> inBlock = new ArrayList<>();
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                long from = ps.getParamOffsetStart();
                long to = ps.getParamOffsetEnd();
                INDArray m = momentum == null ? null : momentum.get(NDArrayIndex.interval(
                        from - b.getParamOffsetStart(), to - b.getParamOffsetStart()));
                Variable v = new Variable(describe(ps), kind(ps), interval(flatParams, from, to), m, u,
                        from - b.getParamOffsetStart());
                inBlock.add(v);
                vs.add(v);
                ranges.add(new long[] {from, to});
            }
            bv.add(Collections.unmodifiableList(inBlock));
        }
        this.variables = Collections.unmodifiableList(vs);
        this.blockVariables = bv;
        this.starts = ranges.stream().mapToLong(r -> r[0]).toArray();
        this.ends = ranges.stream().mapToLong(r -> r[1]).toArray();
        this.noOp = n;
        this.noOpLength = noOpLen;
    }

    /** @return the network's variables, without binding its updaters */
    static NetworkHost of(Net net) {
        return new NetworkHost(net);
    }

    /** Binds every updater that needs the weights to its block's variables. */
    void bindUpdaters() {
        for (int b = 0; b < blocks.size(); b++) {
            ParameterBoundUpdater.bindIfBound(updaters.get(b), blockVariables.get(b));
        }
    }

    /**
     * Tells every updater that needs it that the driver has prepared the step of {@code iteration}.
     *
     * @param iteration the iteration
     */
    void prepareUpdaters(int iteration) {
        for (GradientUpdater<?> u : updaters) {
            ParameterBoundUpdater.prepareIfBound(u, iteration);
        }
    }

    /** @return the sharpness-aware configuration of the first variable that has one, or null */
    SharpnessAwareConfig sharpnessAwareConfig() {
        for (Variable v : variables) {
            if (v.updater().getConfig() instanceof SharpnessAwareConfig) {
                return (SharpnessAwareConfig) v.updater().getConfig();
            }
        }
        return null;
    }

    /** @return true when DL4J has replaced the updater or the parameters since this host was made */
    boolean isStale(Net now) {
        if (now.model != net.model) {
            return true;
        }
        List<UpdaterBlock> current = now.blocks();
        // ComputationGraph.params() hands out a new view of its parameter buffer at each call: compare addresses.
        if (current.size() != blocks.size() || now.model.params().data().address() != flatParams.data().address()) {
            return true;
        }
        for (int i = 0; i < current.size(); i++) {
            if (current.get(i).getGradientUpdater() != updaters.get(i)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Variable> variables() {
        return variables;
    }

    @Override
    public INDArray gradient(int i) {
        return interval(net.gradient(), starts[i], ends[i]);
    }

    @Override
    public double gradientScale() {
        return 1.0 / Math.max(1, net.model.batchSize());
    }

    @Override
    public void recomputeGradient() {
        passLosses = null;
        double score = net.model.score();
        INDArray grad = net.gradient();
        if (noOpLength > 0) {
            if (noOpBackup == null) {
                noOpBackup = Nd4j.createUninitialized(grad.dataType(), noOpLength);
            }
            long off = 0;
            for (long[] r : noOp) {
                interval(noOpBackup, off, off + r[1] - r[0]).assign(interval(grad, r[0], r[1]));
                off += r[1] - r[0];
            }
        }
        List<java.util.Map<String, INDArray>> rnnState = truncatedBpttState();
        runInternalPass();
        restoreTruncatedBpttState(rnnState);
        grad = net.gradient();
        long off = 0;
        for (long[] r : noOp) {
            interval(grad, r[0], r[1]).assign(interval(noOpBackup, off, off + r[1] - r[0]));
            off += r[1] - r[0];
        }
        net.setScore(score);
    }

    /**
     * @return under truncated BPTT, a copy of the state each recurrent layer carries to the next segment (set by the
     *     step's pass), which a second pass would overwrite; null otherwise
     */
    private List<java.util.Map<String, INDArray>> truncatedBpttState() {
        if (net.backpropType() != org.deeplearning4j.nn.conf.BackpropType.TruncatedBPTT) {
            return null;
        }
        List<java.util.Map<String, INDArray>> r = new ArrayList<>();
        for (Layer l : net.layers()) {
            java.util.Map<String, INDArray> copy = null;
            if (l instanceof org.deeplearning4j.nn.api.layers.RecurrentLayer) {
                java.util.Map<String, INDArray> s =
                        ((org.deeplearning4j.nn.api.layers.RecurrentLayer) l).rnnGetTBPTTState();
                if (s != null) {
                    copy = new java.util.HashMap<>();
                    for (java.util.Map.Entry<String, INDArray> e : s.entrySet()) {
                        copy.put(e.getKey(), e.getValue() == null ? null : e.getValue().dup());
                    }
                }
            }
            r.add(copy);
        }
        return r;
    }

    private void restoreTruncatedBpttState(List<java.util.Map<String, INDArray>> saved) {
        if (saved == null) {
            return;
        }
        Layer[] layers = net.layers();
        for (int i = 0; i < layers.length; i++) {
            if (saved.get(i) != null) {
                ((org.deeplearning4j.nn.api.layers.RecurrentLayer) layers[i]).rnnSetTBPTTState(saved.get(i));
            }
        }
    }

    /**
     * The pass again, keeping nothing of the first: DL4J then applies the running-statistics update that the new
     * pass put in the no-op variables' gradient, and reports its score.
     */
    @Override
    public void redoGradient() {
        passLosses = null;
        runInternalPass();
    }

    /** The forward/backward pass at the weights held, which the driver's own callbacks do not treat as a step's. */
    private void runInternalPass() {
        internalPass = true;
        try {
            net.computeGradientAndScore();
        } finally {
            internalPass = false;
        }
    }

    /**
     * Per-sample losses at the weights held: a forward pass in training mode up to the output layers, then each output
     * layer's {@code computeScoreForExamples} (summed over the outputs of a ComputationGraph), without regularization.
     * DL4J's forward pass leaves BatchNorm's running statistics alone (they change in the backward pass) and the
     * score is not touched.
     */
    @Override
    public double[] sampleLosses() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        if (net.model instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net.model;
            requireNoFeatureMasks(m);
            Layer[] layers = m.getLayers();
            Layer out = m.getOutputLayer();
            if (!(out instanceof IOutputLayer)) {
                throw new IllegalStateException("Per-sample losses need an output layer as the network's last layer");
            }
            INDArray features = m.getInput();
            INDArray labelMask = out.getMaskArray();
            INDArray last = features;
            if (layers.length > 1) {
                List<INDArray> acts = m.feedForwardToLayer(layers.length - 2, features, true);
                last = acts.get(acts.size() - 1);
            }
            InputPreProcessor pp = m.getLayerWiseConfigurations().getInputPreProcess(layers.length - 1);
            if (pp != null) {
                last = pp.preProcess(last, (int) features.size(0), mgr);
            }
            ((IOutputLayer) out).setLabels(m.getLabels());
            out.setInput(last, mgr);
            out.setMaskArray(labelMask);
            double[] r = ((IOutputLayer) out).computeScoreForExamples(0, mgr).toDoubleVector();
            m.clearLayersStates();
            m.setLayerMaskArrays(null, labelMask);
            return r;
        }
        ComputationGraph g = (ComputationGraph) net.model;
        INDArray[] labels = requireLabels();
        g.feedForward(g.getInputs(), true, false);
        double[] r = null;
        List<String> outputs = g.getConfiguration().getNetworkOutputs();
        for (int o = 0; o < outputs.size(); o++) {
            GraphVertex v = g.getVertex(outputs.get(o));
            if (!(v instanceof LayerVertex) || !(v.getLayer() instanceof IOutputLayer)) {
                throw new IllegalStateException("Per-sample losses need output layers: vertex \"" + outputs.get(o)
                        + "\" is not one");
            }
            ((IOutputLayer) v.getLayer()).setLabels(labels[o]);
            double[] part = ((LayerVertex) v).computeScoreForExamples(0, mgr).toDoubleVector();
            if (r == null) {
                r = part;
            } else {
                for (int i = 0; i < r.length; i++) {
                    r[i] += part[i];
                }
            }
        }
        for (GraphVertex v : g.getVertices()) {
            v.clear();
        }
        return r;
    }

    /**
     * Makes the output layers record each sample's loss when DL4J computes the pass's score (DL4J computes it from the
     * same logits as the backward pass; the per-sample losses are the base loss's {@code computeScoreArray} there, as
     * {@code computeScoreForExamples} gives them). Called before the pass's score; {@link #stopRecording()} after.
     * Output layers that are not {@code BaseOutputLayer}s are not recorded, and {@link #passSampleLosses()} is null.
     */
    void recordSampleLosses() {
        stopRecording();
        passLosses = null;
        passLossesComplete = true;
        recorded = new ArrayList<>();
        recordedOriginals = new ArrayList<>();
        for (Layer l : outputLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            if (!(conf instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer)) {
                passLossesComplete = false;
                continue;
            }
            org.deeplearning4j.nn.conf.layers.BaseOutputLayer o = (org.deeplearning4j.nn.conf.layers.BaseOutputLayer) conf;
            recorded.add(o);
            recordedOriginals.add(o.getLossFn());
            o.setLossFn(new Recording(o.getLossFn(), this));
        }
    }

    /** Puts the output layers' loss functions back (idempotent). */
    void stopRecording() {
        if (recorded == null) {
            return;
        }
        for (int i = 0; i < recorded.size(); i++) {
            recorded.get(i).setLossFn(recordedOriginals.get(i));
        }
        recorded = null;
        recordedOriginals = null;
    }

    @Override
    public double[] passSampleLosses() {
        return passLossesComplete ? passLosses : null;
    }

    private void addPassLosses(double[] l) {
        if (passLosses == null) {
            passLosses = l;
        } else if (passLosses.length == l.length) {
            for (int i = 0; i < l.length; i++) {
                passLosses[i] += l[i];
            }
        } else {
            passLossesComplete = false;
        }
    }

    private List<Layer> outputLayers() {
        List<Layer> r = new ArrayList<>();
        if (net.model instanceof MultiLayerNetwork) {
            r.add(((MultiLayerNetwork) net.model).getOutputLayer());
        } else {
            ComputationGraph g = (ComputationGraph) net.model;
            for (String name : g.getConfiguration().getNetworkOutputs()) {
                r.add(g.getLayer(name));
            }
        }
        return r;
    }

    /** A base loss function that also hands each sample's loss to the host when the score is computed. */
    private static final class Recording implements org.nd4j.linalg.lossfunctions.ILossFunction {
        private static final long serialVersionUID = 1L;
        private final org.nd4j.linalg.lossfunctions.ILossFunction base;
        private final transient NetworkHost host;

        Recording(org.nd4j.linalg.lossfunctions.ILossFunction base, NetworkHost host) {
            this.base = base;
            this.host = host;
        }

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, org.nd4j.linalg.activations.IActivation fn,
                                   INDArray mask, boolean average) {
            host.addPassLosses(base.computeScoreArray(labels, preOutput, fn, mask).toDoubleVector());
            return base.computeScore(labels, preOutput, fn, mask, average);
        }

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput,
                                          org.nd4j.linalg.activations.IActivation fn, INDArray mask) {
            return base.computeScoreArray(labels, preOutput, fn, mask);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput,
                                        org.nd4j.linalg.activations.IActivation fn, INDArray mask) {
            return base.computeGradient(labels, preOutput, fn, mask);
        }

        @Override
        public org.nd4j.common.primitives.Pair<Double, INDArray> computeGradientAndScore(INDArray labels,
                INDArray preOutput, org.nd4j.linalg.activations.IActivation fn, INDArray mask, boolean average) {
            return new org.nd4j.common.primitives.Pair<>(computeScore(labels, preOutput, fn, mask, average),
                    computeGradient(labels, preOutput, fn, mask));
        }

        @Override
        public String name() {
            return base.name();
        }
    }

    /**
     * The pass on the rows {@code samples} of the mini-batch's features, labels and masks, then the network's inputs
     * back as they were; the gradient (a sum over the samples) is scaled by |B|/|samples|, so that DL4J's division by
     * |B| makes it the mean over the samples. BatchNorm's running statistics and the score keep the first pass's.
     */
    @Override
    public void recomputeGradient(int[] samples) {
        int batch = net.model.batchSize();
        if (net.model instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net.model;
            Layer out = m.getOutputLayer();
            requireNoFeatureMasks(m);
            INDArray x = m.getInput();
            INDArray y = m.getLabels();
            INDArray lm = out.getMaskArray();
            m.setInput(rows(x, samples));
            m.setLabels(rows(y, samples));
            m.setLayerMaskArrays(null, rows(lm, samples));
            try {
                recomputeGradient();
            } finally {
                m.setInput(x);
                m.setLabels(y);
                m.setLayerMaskArrays(null, lm);
            }
        } else {
            ComputationGraph g = (ComputationGraph) net.model;
            INDArray[] x = g.getInputs();
            INDArray[] y = requireLabels();
            INDArray[] fm = g.getInputMaskArrays();
            INDArray[] lm = g.getLabelMaskArrays();
            g.setInputs(rows(x, samples));
            g.setLabels(rows(y, samples));
            g.setLayerMaskArrays(rows(fm, samples), rows(lm, samples));
            try {
                recomputeGradient();
            } finally {
                g.setInputs(x);
                g.setLabels(y);
                g.setLayerMaskArrays(fm, lm);
            }
        }
        double factor = (double) batch / samples.length;
        INDArray grad = net.gradient();
        for (int i = 0; i < starts.length; i++) {
            interval(grad, starts[i], ends[i]).muli(factor);
        }
    }

    /**
     * A MultiLayerNetwork keeps its feature mask in its layers only, where a forward pass clears it: the per-sample
     * passes cannot restore it.
     */
    private static void requireNoFeatureMasks(MultiLayerNetwork m) {
        for (Layer l : m.getLayers()) {
            if (l != m.getOutputLayer() && l.getMaskArray() != null) {
                throw new UnsupportedOperationException("Per-sample losses and a pass on part of a mini-batch do not "
                        + "support feature masks on a MultiLayerNetwork: use a ComputationGraph");
            }
        }
    }

    private INDArray[] requireLabels() {
        if (batchLabels == null) {
            throw new IllegalStateException("The labels of the mini-batch were not recorded during the pass");
        }
        return batchLabels;
    }

    private static INDArray[] rows(INDArray[] arrays, int[] samples) {
        if (arrays == null) {
            return null;
        }
        INDArray[] r = new INDArray[arrays.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = rows(arrays[i], samples);
        }
        return r;
    }

    /** @return a copy of the rows {@code samples} (along dimension 0) of {@code a}, or null for null */
    private static INDArray rows(INDArray a, int[] samples) {
        if (a == null) {
            return null;
        }
        INDArrayIndex[] ix = new INDArrayIndex[a.rank()];
        long[] idx = new long[samples.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = samples[i];
        }
        ix[0] = new SpecifiedIndex(idx);
        for (int d = 1; d < ix.length; d++) {
            ix[d] = NDArrayIndex.all();
        }
        INDArray r = a.get(ix);
        return r.rank() == a.rank() ? r.dup() : r.reshape(a.ordering(), withRows(a.shape(), samples.length)).dup();
    }

    private static long[] withRows(long[] shape, long n) {
        long[] s = shape.clone();
        s[0] = n;
        return s;
    }

    /**
     * @param target a flat parameter vector laid out like the network's
     * @param rule   MESA's rule over this host's variables
     */
    void copyEma(INDArray target, org.msam.rule.Distillation rule) {
        INDArray flat = target.rank() == 1 ? target : target.reshape(target.length());
        flat.assign(flatParams);
        for (int i = 0; i < starts.length; i++) {
            interval(flat, starts[i], ends[i]).assign(rule.teacher(i));
        }
    }

    /** Adds every variable's step gradient to {@code sum}, a flat array laid out like the parameters. */
    void addStepGradient(INDArray sum) {
        INDArray grad = net.gradient();
        for (int i = 0; i < starts.length; i++) {
            interval(sum, starts[i], ends[i]).addi(interval(grad, starts[i], ends[i]));
        }
    }

    /** Every variable's step gradient becomes (its gradient + its part of {@code sum})·{@code factor}. */
    void takeAccumulated(INDArray sum, double factor) {
        INDArray grad = net.gradient();
        for (int i = 0; i < starts.length; i++) {
            interval(grad, starts[i], ends[i]).addi(interval(sum, starts[i], ends[i])).muli(factor);
        }
    }

    /** Applies the "gradient" of the NoOp parameters (BatchNorm's running-statistic updates) as DL4J's step does. */
    void stepNoOpParameters() {
        INDArray grad = net.gradient();
        for (long[] r : noOp) {
            interval(flatParams, r[0], r[1]).subi(interval(grad, r[0], r[1]));
        }
    }

    /**
     * @return the labels of the mini-batch being trained, read from the output layers during the pass (DL4J clears
     *     them from the layers when the pass ends)
     */
    static INDArray[] currentLabels(Net net) {
        if (net.model instanceof MultiLayerNetwork) {
            return new INDArray[] {((MultiLayerNetwork) net.model).getLabels()};
        }
        ComputationGraph g = (ComputationGraph) net.model;
        List<String> outputs = g.getConfiguration().getNetworkOutputs();
        INDArray[] l = new INDArray[outputs.size()];
        for (int i = 0; i < l.length; i++) {
            Layer layer = g.getLayer(outputs.get(i));
            l[i] = layer instanceof IOutputLayer ? ((IOutputLayer) layer).getLabels() : null;
        }
        return l;
    }

    private static INDArray interval(INDArray flat, long from, long to) {
        return flat.get(NDArrayIndex.interval(from, to));
    }

    private static String describe(UpdaterBlock.ParamState p) {
        return "layer \"" + p.getLayer().getConfig().getLayerName() + "\" parameter \"" + p.getParamName() + "\"";
    }

    /**
     * DL4J's notion of a weight or bias (ParamInitializer.isWeightParam/isBiasParam; a ComputationGraph's blocks hold
     * LayerVertex wrappers, unwrapped here); BatchNormalization's γ and β, and the parameters a {@link
     * NormalizationLayer} names, are {@link ParamKind#NORMALIZATION}; for
     * trainables without an initializer, arrays of rank ≥ 2 with two rows and two columns are weights.
     */
    private static ParamKind kind(UpdaterBlock.ParamState ps) {
        Trainable t = ps.getLayer();
        Trainable layer = t instanceof LayerVertex ? ((LayerVertex) t).getLayer() : t;
        if (layer instanceof Layer) {
            org.deeplearning4j.nn.conf.layers.Layer conf = ((Layer) layer).conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization
                    || conf instanceof NormalizationLayer
                    && ((NormalizationLayer) conf).isNormalizationParam(ps.getParamName())) {
                return ParamKind.NORMALIZATION;
            }
            if (conf != null && conf.initializer() != null) {
                return conf.initializer().isWeightParam(conf, ps.getParamName()) ? ParamKind.WEIGHT : ParamKind.BIAS;
            }
        }
        return shapeKind(ps.getParamView());
    }

    /** @return WEIGHT for arrays of rank ≥ 2 with at least two rows and two columns, BIAS otherwise */
    static ParamKind shapeKind(INDArray view) {
        return view.rank() >= 2 && view.size(0) > 1 && view.size(1) > 1 ? ParamKind.WEIGHT : ParamKind.BIAS;
    }
}
