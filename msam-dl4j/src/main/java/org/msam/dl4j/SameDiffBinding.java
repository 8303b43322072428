package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.updater.MsamUpdater;
import org.msam.updater.ParameterBoundUpdater;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-variable updaters of a SameDiff instance, bound to their parameter arrays, and the bookkeeping of the
 * training iteration that {@code SameDiff.fit} is running: what the SameDiff listeners act on.
 *
 * <p>SameDiff creates its updaters ({@code sd.getUpdaterMap()}) lazily, after the {@code iterationStart} callbacks
 * of the first iteration and before the first forward pass ({@code SameDiff.initializeTraining}); a model loaded with
 * its updater state has them from the start. The binding is therefore (re)made at {@code iterationStart} when the
 * updaters exist, and otherwise at the first op output of the iteration, which SameDiff reports before it applies
 * any updater. It is rebuilt whenever SameDiff replaces an updater or a parameter array.
 *
 * <p>Callbacks belong to the running fit iteration when their {@link At} is the very object SameDiff passed to
 * {@code iterationStart}: gradients that {@code sd.calculateGradients} computes (also inside {@code fit}, for SAM's
 * first pass) arrive with a different {@code At} and are ignored.
 */
final class SameDiffBinding {
    final SameDiff sd;
    private Map<?, ?> source;
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final List<ParameterBoundUpdater> bound = new ArrayList<>();
    private final Map<String, String> gradientToVariable = new HashMap<>();
    private int generation;
    private At current;
    private boolean armed;

    SameDiffBinding(SameDiff sd) {
        this.sd = sd;
    }

    /** @return the names of the trainable variables: VARIABLE type with a floating-point data type */
    List<String> trainable() {
        List<String> r = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && v.dataType().isFPType()) {
                r.add(v.name());
            }
        }
        return r;
    }

    /** @return the current array of a variable */
    INDArray param(String name) {
        return sd.getArrForVarName(name);
    }

    /** @return the bound updaters by variable name (empty until SameDiff has created them) */
    Map<String, GradientUpdater<?>> updaters() {
        return Collections.unmodifiableMap(updaters);
    }

    /** @return a number that changes whenever the binding is rebuilt */
    int generation() {
        return generation;
    }

    /**
     * Binds to SameDiff's updaters if they exist, rebuilding the binding when they or the parameter arrays changed.
     *
     * @return true when the updaters exist and are bound
     */
    boolean refresh() {
        Map<?, ?> map = sd.getUpdaterMap();
        if (map == null) {
            if (source != null) {
                clear();
            }
            return false;
        }
        if (map == source && !stale(map)) {
            return true;
        }
        clear();
        for (String name : trainable()) {
            GradientUpdater<?> u = (GradientUpdater<?>) map.get(name);
            if (u == null) {
                continue;
            }
            INDArray p = param(name);
            updaters.put(name, u);
            params.put(name, p);
            if (u instanceof ParameterBoundUpdater) {
                ((ParameterBoundUpdater) u).bind(u instanceof MsamUpdater ? flatView(name, p) : p, decayViews(u, name, p));
                bound.add((ParameterBoundUpdater) u);
            }
        }
        source = map;
        generation++;
        return true;
    }

    private void clear() {
        updaters.clear();
        params.clear();
        bound.clear();
        source = null;
        generation++;
    }

    private boolean stale(Map<?, ?> map) {
        int n = 0;
        for (String name : trainable()) {
            Object u = map.get(name);
            if (u == null) {
                continue;
            }
            n++;
            if (updaters.get(name) != u || params.get(name) != param(name)) {
                return true;
            }
        }
        return n != updaters.size();
    }

    /**
     * MSAM moves the parameters along its momentum buffer, which the updater lays out like the gradient in C order:
     * the parameter must be a C-ordered contiguous array so that its flat view pairs the same elements.
     */
    private static INDArray flatView(String name, INDArray p) {
        if (p.rank() > 1 && (p.ordering() != 'c' || !Shape.hasDefaultStridesForShape(p))) {
            throw new IllegalStateException("MSAM needs the array of variable \"" + name + "\" to be C-ordered and "
                    + "contiguous (it has ordering '" + p.ordering() + "' and strides "
                    + Arrays.toString(p.stride()) + "): set it with sd.getVariable(\"" + name
                    + "\").setArray(arr.dup('c'))");
        }
        return p.rank() == 1 ? p : p.reshape(p.length());
    }

    /**
     * AdamW's decoupled decay acts on every trainable variable ({@link DecayScope#ALL_TRAINABLE}) or, as SameDiff has
     * no notion of weights, on those of rank ≥ 2 with at least two rows and two columns
     * ({@link DecayScope#WEIGHTS_ONLY}: matrices and kernels, not bias rows or vectors).
     */
    private static List<INDArray> decayViews(GradientUpdater<?> u, String name, INDArray p) {
        AdamW a = Binding.adamW(u.getConfig());
        if (a == null || a.getWeightDecay() == 0) {
            return List.of();
        }
        if (a.getDecayScope() == DecayScope.ALL_TRAINABLE || Binding.isWeight(null, name, p)) {
            return List.of(p);
        }
        return List.of();
    }

    /** Declares every bound updater prepared for {@code iteration}. */
    void arm(int iteration) {
        for (ParameterBoundUpdater p : bound) {
            p.arm(iteration);
        }
    }

    /**
     * Starts a fit iteration: records its {@code At}, maps gradient names to variables and, if SameDiff's updaters
     * exist, binds and arms them.
     *
     * @return false if this iteration was already started (the listener was called twice)
     */
    boolean begin(At at) {
        if (at == current) {
            return false;
        }
        current = at;
        armed = false;
        mapGradients();
        if (refresh()) {
            arm(at.iteration());
            armed = true;
        }
        return true;
    }

    /** @return true when {@code at} is the running fit iteration's */
    boolean inIteration(At at) {
        return at != null && at == current;
    }

    /**
     * Called for every op output of the fit iteration, before SameDiff applies the updater of a parameter whose
     * gradient it is: makes sure the updaters are bound and armed.
     *
     * @return the variable whose gradient {@code outputName} is, or null (also outside the fit iteration)
     */
    String gradientOutput(At at, String outputName) {
        if (!inIteration(at)) {
            return null;
        }
        if (!armed && refresh()) {
            arm(at.iteration());
            armed = true;
        }
        return gradientToVariable.get(outputName);
    }

    /** Ends the fit iteration; @return false if {@code at} is not the running iteration's */
    boolean end(At at) {
        if (!inIteration(at)) {
            return false;
        }
        current = null;
        refresh();
        return true;
    }

    private void mapGradients() {
        gradientToVariable.clear();
        if (!sd.hasGradientFunction()) {
            return;
        }
        for (String name : trainable()) {
            SDVariable g = sd.getVariable(name).getGradient();
            if (g != null) {
                gradientToVariable.put(g.name(), name);
            }
        }
    }

    /** @return the placeholder values SameDiff feeds for {@code ds}, by the training configuration's mappings */
    Map<String, INDArray> placeholders(MultiDataSet ds) {
        TrainingConfig tc = sd.getTrainingConfig();
        Map<String, INDArray> ph = new HashMap<>();
        List<String> features = tc.getDataSetFeatureMapping();
        for (int i = 0; features != null && i < features.size(); i++) {
            ph.put(features.get(i), ds.getFeatures(i));
        }
        List<String> labels = tc.getDataSetLabelMapping();
        for (int i = 0; labels != null && i < labels.size(); i++) {
            ph.put(labels.get(i), ds.getLabels(i));
        }
        List<String> featureMasks = tc.getDataSetFeatureMaskMapping();
        for (int i = 0; featureMasks != null && i < featureMasks.size(); i++) {
            if (featureMasks.get(i) != null) {
                ph.put(featureMasks.get(i), ds.getFeaturesMaskArray(i));
            }
        }
        List<String> labelMasks = tc.getDataSetLabelMaskMapping();
        for (int i = 0; labelMasks != null && i < labelMasks.size(); i++) {
            if (labelMasks.get(i) != null) {
                ph.put(labelMasks.get(i), ds.getLabelsMaskArray(i));
            }
        }
        return ph;
    }
}
