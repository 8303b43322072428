package org.msam.dl4j;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.msam.rule.Host;
import org.msam.rule.ParamKind;
import org.msam.rule.SharpnessAwareConfig;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.msam.updater.MomentumUpdater;
import org.msam.updater.ParameterBoundUpdater;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * A SameDiff instance as a rule's {@link Host}: one {@link Variable} per trainable variable (VARIABLE type, floating
 * point) with its own updater, and the bookkeeping of the training iteration {@code SameDiff.fit} is running.
 *
 * <p>SameDiff applies each variable's updater as soon as that variable's gradient exists, so its step gradient is
 * SameDiff's own pass; a gradient a rule asks for before that pass ({@link #gradient(int)} in the phase before the
 * step gradient: SAM's g1) is computed with {@code sd.calculateGradientsAndOutputs} at the weights held, together
 * with the loss, which is then the loss reported for the iteration. SameDiff's gradient is that of the loss as the
 * graph defines it: the mean over the mini-batch for SameDiff's default reduction, so {@link #gradientScale()} is 1.
 *
 * <p>SameDiff creates its updaters when training starts; the host makes it create them at once (through its
 * {@code initializeTraining}) so that a rule can run from the first iteration's start. Callbacks belong to the
 * running fit iteration when their {@link At} is the very object SameDiff passed to {@code iterationStart}.
 */
final class SameDiffHost implements Host {
    final SameDiff sd;
    private Map<?, ?> source;
    private final List<Variable> variables = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> gradientToIndex = new HashMap<>();
    private int generation;
    private At current;
    private MultiDataSet batch;
    private Map<String, INDArray> gradients;
    private double[] firstPassLoss;

    SameDiffHost(SameDiff sd) {
        this.sd = sd;
    }

    /** @return the names of the trainable variables: VARIABLE type with a floating-point data type */
    private List<String> trainable() {
        List<String> r = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && v.dataType().isFPType()) {
                r.add(v.name());
            }
        }
        return r;
    }

    @Override
    public List<Variable> variables() {
        return Collections.unmodifiableList(variables);
    }

    /** @return a number that changes whenever the variables are rebuilt */
    int generation() {
        return generation;
    }

    /**
     * Makes SameDiff create its updaters if it has not, and rebuilds the variables when the updaters or the
     * parameter arrays changed, binding the updaters that need the weights.
     */
    /**
     * Tells every updater that needs it that the driver has prepared the step of {@code iteration}.
     *
     * @param iteration the iteration
     */
    void prepare(int iteration) {
        for (Variable v : variables) {
            ParameterBoundUpdater.prepareIfBound(v.updater(), iteration);
        }
    }

    void refresh() {
        Map<?, ?> map = sd.getUpdaterMap();
        if (map == null) {
            initializeTraining(sd);
            map = sd.getUpdaterMap();
        }
        if (map == source && !stale(map)) {
            return;
        }
        variables.clear();
        names.clear();
        Set<String> normalization = normalizationVariables(sd);
        for (String name : trainable()) {
            GradientUpdater<?> u = (GradientUpdater<?>) map.get(name);
            if (u == null) {
                continue;
            }
            INDArray p = sd.getArrForVarName(name);
            INDArray momentum = null;
            if (u instanceof MomentumUpdater) {
                ((MomentumUpdater) u).resolve(p.length());
                INDArray m = ((MomentumUpdater) u).momentum();
                momentum = m == null ? null : m.reshape(m.length());
            }
            ParamKind kind = normalization.contains(name) ? ParamKind.NORMALIZATION : NetworkHost.shapeKind(p);
            Variable v = new Variable(name, kind, flatView(name, p), momentum, u);
            ParameterBoundUpdater.bindIfBound(u, List.of(v));
            variables.add(v);
            names.add(name);
        }
        source = map;
        generation++;
    }

    /**
     * @return the variables that are the gain and bias of a {@code layerNorm} op, or the γ and β of a
     *     {@code batchNorm} op (all inputs after the input, mean and variance)
     */
    private static Set<String> normalizationVariables(SameDiff sd) {
        Set<String> r = new HashSet<>();
        for (DifferentialFunction op : sd.ops()) {
            SDVariable[] args = op.args();
            int first = op instanceof LayerNorm ? 1 : op instanceof BatchNorm ? 3 : args.length;
            for (int i = first; i < args.length; i++) {
                r.add(args[i].name());
            }
        }
        return r;
    }

    /** @return the rule of the training configuration's updater, over the variables */
    SharpnessRule rule() {
        TrainingConfig tc = sd.getTrainingConfig();
        if (tc == null || !(tc.getUpdater() instanceof SharpnessAwareConfig)) {
            throw new IllegalStateException("The TrainingConfig's updater is "
                    + (tc == null ? "not set" : String.valueOf(tc.getUpdater())) + ", not Msam or Sam: set "
                    + ".updater(Msam.builder().base(...).build()) or .updater(Sam.builder().base(...).build()). For "
                    + "plain AdamW with weight decay use DecoupledWeightDecay.install(sd).");
        }
        return ((SharpnessAwareConfig) tc.getUpdater()).newRule(variables());
    }

    private boolean stale(Map<?, ?> map) {
        int n = 0;
        for (String name : trainable()) {
            Object u = map.get(name);
            if (u == null) {
                continue;
            }
            int i = names.indexOf(name);
            if (i < 0 || variables.get(i).updater() != u
                    || variables.get(i).value().data().address() != sd.getArrForVarName(name).data().address()) {
                return true;
            }
            n++;
        }
        return n != variables.size();
    }

    private static void initializeTraining(SameDiff sd) {
        try {
            Method m = SameDiff.class.getDeclaredMethod("initializeTraining");
            m.setAccessible(true);
            m.invoke(sd);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot create the SameDiff updaters of this ND4J version before "
                    + "training (SameDiff.initializeTraining); use ND4J 1.0.0-M2.1", e);
        }
    }

    /**
     * The rules move the weights along the updater's buffers, which are laid out like the gradient in C order: the
     * variable's array must be C-ordered and contiguous so that its flat view pairs the same elements.
     */
    private static INDArray flatView(String name, INDArray p) {
        if (p.rank() > 1 && (p.ordering() != 'c' || !Shape.hasDefaultStridesForShape(p))) {
            throw new IllegalStateException("The array of variable \"" + name + "\" must be C-ordered and "
                    + "contiguous (it has ordering '" + p.ordering() + "' and strides "
                    + Arrays.toString(p.stride()) + "): set it with sd.getVariable(\"" + name
                    + "\").setArray(arr.dup('c'))");
        }
        return p.rank() == 1 ? p : p.reshape(p.length());
    }

    /**
     * Starts a fit iteration: records its {@code At} and mini-batch and maps gradient names to variables.
     *
     * @return false if this iteration was already started (the listener was called twice)
     */
    boolean begin(At at, MultiDataSet data) {
        if (at == current) {
            return false;
        }
        current = at;
        batch = data;
        gradients = null;
        firstPassLoss = null;
        gradientToIndex.clear();
        if (sd.hasGradientFunction()) {
            for (int i = 0; i < names.size(); i++) {
                SDVariable g = sd.getVariable(names.get(i)).getGradient();
                if (g != null) {
                    gradientToIndex.put(g.name(), i);
                }
            }
        }
        return true;
    }

    /** @return true when {@code at} is the running fit iteration's */
    boolean inIteration(At at) {
        return at != null && at == current;
    }

    /** @return the index of the variable whose gradient {@code outputName} is, or -1 (also outside the iteration) */
    int gradientOf(At at, String outputName) {
        if (!inIteration(at)) {
            return -1;
        }
        Integer i = gradientToIndex.get(outputName);
        return i == null ? -1 : i;
    }

    /** @return true when {@code outputName} is one of the graph's loss variables and {@code at} the iteration's */
    boolean isLoss(At at, String outputName) {
        return inIteration(at) && sd.getLossVariables().contains(outputName);
    }

    /** Ends the fit iteration; @return false if {@code at} is not the running iteration's */
    boolean end(At at) {
        if (!inIteration(at)) {
            return false;
        }
        current = null;
        batch = null;
        gradients = null;
        return true;
    }

    /** @return the losses of the gradient computed before the step's pass, by loss variable, or null */
    double[] firstPassLoss() {
        return firstPassLoss;
    }

    /** Makes {@link #gradient(int)} return SameDiff's own step gradient of variable {@code i}, as it hands it out. */
    void stepGradient(int i, INDArray gradient) {
        if (gradients == null) {
            gradients = new HashMap<>();
        }
        gradients.put(names.get(i), gradient);
    }

    @Override
    public INDArray gradient(int i) {
        if (gradients == null) {
            computeGradient();
        }
        INDArray g = gradients.get(names.get(i));
        return g == null ? null : g.reshape(g.length());
    }

    @Override
    public double gradientScale() {
        return 1;
    }

    @Override
    public void recomputeGradient() {
        computeGradient();
    }

    private void computeGradient() {
        if (batch == null) {
            throw new IllegalStateException("A gradient was asked for outside a SameDiff training iteration");
        }
        List<String> losses = sd.getLossVariables();
        OutAndGrad og = sd.calculateGradientsAndOutputs(placeholders(batch), losses, names);
        Map<String, INDArray> g = new HashMap<>();
        for (Map.Entry<String, INDArray> e : og.getGradients().entrySet()) {
            INDArray arr = e.getValue();
            g.put(e.getKey(), arr.ordering() == 'c' && Shape.hasDefaultStridesForShape(arr) ? arr : arr.dup('c'));
        }
        gradients = g;
        if (firstPassLoss != null) {
            // A second pass (clipping's, after SAM's ascent) leaves the iteration's reported loss as the first set it.
            return;
        }
        double[] l = new double[losses.size()];
        for (int j = 0; j < l.length; j++) {
            INDArray arr = og.getOutputs().get(losses.get(j));
            l[j] = arr.isScalar() ? arr.getDouble(0) : arr.sumNumber().doubleValue();
        }
        firstPassLoss = l;
    }

    /** @return the loss of the iteration's mini-batch at the weights held now (forward only, no regularization) */
    double loss() {
        if (batch == null) {
            throw new IllegalStateException("A loss was asked for outside a SameDiff training iteration");
        }
        List<String> losses = sd.getLossVariables();
        Map<String, INDArray> out = sd.output(placeholders(batch), losses.toArray(new String[0]));
        double sum = 0;
        for (String l : losses) {
            INDArray arr = out.get(l);
            sum += arr.isScalar() ? arr.getDouble(0) : arr.sumNumber().doubleValue();
        }
        return sum;
    }

    /** @return the placeholder values SameDiff feeds for {@code ds}, by the training configuration's mappings */
    private Map<String, INDArray> placeholders(MultiDataSet ds) {
        TrainingConfig tc = sd.getTrainingConfig();
        Map<String, INDArray> ph = new HashMap<>();
        put(ph, tc.getDataSetFeatureMapping(), ds.getFeatures());
        put(ph, tc.getDataSetLabelMapping(), ds.getLabels());
        put(ph, tc.getDataSetFeatureMaskMapping(), ds.getFeaturesMaskArrays());
        put(ph, tc.getDataSetLabelMaskMapping(), ds.getLabelsMaskArrays());
        return ph;
    }

    private static void put(Map<String, INDArray> ph, List<String> names, INDArray[] arrays) {
        for (int i = 0; names != null && arrays != null && i < names.size() && i < arrays.length; i++) {
            if (names.get(i) != null) {
                ph.put(names.get(i), arrays[i]);
            }
        }
    }
}
