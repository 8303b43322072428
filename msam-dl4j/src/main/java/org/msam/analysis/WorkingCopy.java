package org.msam.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * A double-precision copy of a network on which the measurements run: θ saved, the copy's parameters moved to
 * θ + offset and back, dropout and weight noise removed from its layer configurations, no listeners. The caller's
 * model is only read (its parameters, once, by {@code clone()} or {@code convertDataType}).
 */
final class WorkingCopy {
    /** The copy (MultiLayerNetwork or ComputationGraph), in double. */
    final Model model;
    /** The copy's flat parameter view. */
    final INDArray params;
    /** θ, the copied weights (double, shape of {@link #params}). */
    final INDArray theta;
    /** 1 where the parameter is trained (its updater is not NoOp; not a BatchNorm statistic, not frozen), else 0. */
    final INDArray trainable;
    /** 1 at BatchNorm running mean, variance and log10 std, else 0. */
    final INDArray statistics;
    /** Number of entries of {@link #trainable} equal to 1. */
    final long numTrainable;

    private WorkingCopy(Model model) {
        this.model = model;
        this.params = model.params();
        this.theta = params.dup();
        this.trainable = fill((layer, name) -> isTrainable(layer, name) ? 1.0 : 0.0);
        this.statistics = fill((layer, name) -> isStatistic(layer, name) ? 1.0 : 0.0);
        this.numTrainable = Math.round(trainable.sumNumber().doubleValue());
    }

    /**
     * @param net the caller's model
     * @return a double copy of it without dropout
     */
    static WorkingCopy of(Model net) {
        Model copy;
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            MultiLayerNetwork c = m.params().dataType() == DataType.DOUBLE ? m.clone() : m.convertDataType(DataType.DOUBLE);
            c.setListeners(new ArrayList<TrainingListener>());
            copy = c;
        } else if (net instanceof ComputationGraph) {
            ComputationGraph g = (ComputationGraph) net;
            ComputationGraph c = g.params().dataType() == DataType.DOUBLE ? g.clone() : g.convertDataType(DataType.DOUBLE);
            c.setListeners(new ArrayList<TrainingListener>());
            copy = c;
        } else {
            throw new IllegalArgumentException("LossLandscape measures MultiLayerNetwork and ComputationGraph models; got "
                    + (net == null ? "null" : net.getClass().getName()));
        }
        for (Layer l : layers(copy)) {
            removeNoise(l.conf().getLayer());
        }
        return new WorkingCopy(copy);
    }

    private static void removeNoise(org.deeplearning4j.nn.conf.layers.Layer conf) {
        conf.setIDropout(null);
        if (conf instanceof BaseLayer) {
            ((BaseLayer) conf).setWeightNoise(null);
        }
        if (conf instanceof org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer) {
            removeNoise(((org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer) conf).getUnderlying());
        }
        if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) {
            removeNoise(((org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) conf).getLayer());
        }
    }

    static Layer[] layers(Model m) {
        return m instanceof MultiLayerNetwork ? ((MultiLayerNetwork) m).getLayers() : ((ComputationGraph) m).getLayers();
    }

    private static Layer unwrap(Layer l) {
        while (l instanceof BaseWrapperLayer) {
            l = ((BaseWrapperLayer) l).getUnderlying();
        }
        return l;
    }

    private static boolean isStatistic(Layer layer, String name) {
        return unwrap(layer) instanceof BatchNormalization && (BatchNormalizationParamInitializer.GLOBAL_MEAN.equals(name)
                || BatchNormalizationParamInitializer.GLOBAL_VAR.equals(name)
                || BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(name));
    }

    private static boolean isTrainable(Layer layer, String name) {
        if (layer instanceof FrozenLayer || layer instanceof FrozenLayerWithBackprop || isStatistic(layer, name)) {
            return false;
        }
        return !(unwrap(layer).conf().getLayer().getUpdaterByParam(name) instanceof NoOp);
    }

    /**
     * A flat vector laid out like {@code params()}, each parameter's entries set to {@code value(layer, name)}:
     * written through the copy's parameter views, then θ is restored.
     */
    INDArray fill(BiFunction<Layer, String, Double> value) {
        try {
            for (Layer l : layers(model)) {
                for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                    e.getValue().assign(value.apply(l, e.getKey()));
                }
            }
            return params.dup();
        } finally {
            params.assign(theta);
        }
    }

    /**
     * A flat vector laid out like {@code params()}, each parameter's entries written by {@code writer} into a
     * copy-sized view (the writer assigns the whole view); θ is restored afterwards.
     */
    INDArray fillArrays(ParamWriter writer) {
        try {
            for (Layer l : layers(model)) {
                for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                    // the view holds θ's values of this parameter on entry
                    writer.write(unwrap(l), e.getKey(), e.getValue());
                }
            }
            return params.dup();
        } finally {
            params.assign(theta);
        }
    }

    /** Writes one parameter's direction into its view (which holds θ's values of that parameter on entry). */
    interface ParamWriter {
        void write(Layer layer, String name, INDArray view);
    }

    /** @return the number of parameters */
    long numParams() {
        return params.length();
    }

    /** Moves the copy to θ + offset (offset laid out like params, double). */
    void moveTo(INDArray offset) {
        params.assign(theta).addi(offset);
    }

    /** Moves the copy back to θ, bitwise. */
    void reset() {
        params.assign(theta);
    }

    /** A batch with double features, labels and masks. */
    static DataSet toDouble(org.nd4j.linalg.dataset.api.DataSet ds) {
        return new DataSet(cast(ds.getFeatures()), cast(ds.getLabels()), cast(ds.getFeaturesMaskArray()),
                cast(ds.getLabelsMaskArray()));
    }

    private static INDArray cast(INDArray a) {
        return a == null || a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
    }

    /** Resets the iterator, or fails when it cannot be reset. */
    static void rewind(DataSetIterator data) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        if (!data.resetSupported()) {
            throw new IllegalArgumentException("LossLandscape needs an iterator that can be reset (every measurement "
                    + "passes over all its samples, most of them several times); " + data.getClass().getName()
                    + " cannot: wrap the samples in a ListDataSetIterator or ExistingDataSetIterator");
        }
        data.reset();
    }

    /**
     * L at the copy's current parameters: the mean over every sample of the per-sample data loss
     * ({@code scoreExamples(batch, false)}: inference mode, no regularization terms).
     */
    double loss(DataSetIterator data) {
        rewind(data);
        double sum = 0;
        long n = 0;
        while (data.hasNext()) {
            DataSet ds = toDouble(data.next());
            INDArray s = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).scoreExamples(ds, false)
                    : ((ComputationGraph) model).scoreExamples(ds, false);
            sum += s.sumNumber().doubleValue();
            n += ds.numExamples();
        }
        requireSamples(n);
        return sum / n;
    }

    static void requireSamples(long n) {
        if (n == 0) {
            throw new IllegalArgumentException("The iterator yielded no samples after reset: pass the data to measure "
                    + "the loss on (e.g. a test or training subset)");
        }
    }

    /**
     * ∇L at the copy's current parameters: the mean over every sample of the data-loss gradient from DL4J's
     * backpropagation ({@code computeGradientAndScore}: the layers' training-mode forward pass, with dropout and
     * weight noise removed from this copy, so only BatchNormalization differs from inference: it normalises with
     * the mini-batch statistics), masked to the trainable parameters.
     */
    INDArray gradient(DataSetIterator data) {
        rewind(data);
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, params.shape());
        long n = 0;
        while (data.hasNext()) {
            DataSet ds = toDouble(data.next());
            if (model instanceof MultiLayerNetwork) {
                MultiLayerNetwork m = (MultiLayerNetwork) model;
                m.setInput(ds.getFeatures());
                m.setLabels(ds.getLabels());
                m.setLayerMaskArrays(ds.getFeaturesMaskArray(), ds.getLabelsMaskArray());
                m.computeGradientAndScore();
                sum.addi(m.gradient().gradient().reshape(sum.shape()));
                m.clearLayerMaskArrays();
            } else {
                ComputationGraph g = (ComputationGraph) model;
                g.setInputs(ds.getFeatures());
                g.setLabels(ds.getLabels());
                g.setLayerMaskArrays(ds.getFeaturesMaskArray() == null ? null : new INDArray[] {ds.getFeaturesMaskArray()},
                        ds.getLabelsMaskArray() == null ? null : new INDArray[] {ds.getLabelsMaskArray()});
                g.computeGradientAndScore();
                sum.addi(g.gradient().gradient().reshape(sum.shape()));
                g.clearLayerMaskArrays();
            }
            n += ds.numExamples();
        }
        requireSamples(n);
        // DL4J's backward pass returns the gradient of the sum of the per-sample losses
        return sum.divi(n).muli(trainable);
    }

    /**
     * @param direction a vector laid out like params (any floating type and shape of that length)
     * @param what      its name in messages
     * @return it in double, shaped like params, BatchNorm statistics zeroed
     */
    INDArray direction(INDArray direction, String what) {
        if (direction == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (direction.length() != params.length()) {
            throw new IllegalArgumentException(what + " has " + direction.length() + " entries but the model has "
                    + params.length() + " parameters: lay it out like net.params() (e.g. from "
                    + "LossLandscape.filterNormalizedDirection or gradientDirection)");
        }
        INDArray d = direction.castTo(DataType.DOUBLE).reshape(params.shape()).dup();
        return d.muli(statistics.rsub(1.0));
    }

    /** @return names of the copy's layers (MultiLayerNetwork) or inputs and vertices (ComputationGraph) */
    List<String> layerNames() {
        List<String> names = new ArrayList<>();
        if (model instanceof MultiLayerNetwork) {
            for (Layer l : ((MultiLayerNetwork) model).getLayers()) {
                names.add(l.conf().getLayer().getLayerName());
            }
        } else {
            names.addAll(((ComputationGraph) model).getConfiguration().getNetworkInputs());
            names.addAll(((ComputationGraph) model).getConfiguration().getVertices().keySet());
        }
        return names;
    }
}
