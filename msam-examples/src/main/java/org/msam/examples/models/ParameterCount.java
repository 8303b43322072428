package org.msam.examples.models;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Trainable and total parameter counts of a graph.
 *
 * <p>DL4J's {@code numParams()} is the length of the flat parameter vector, which also holds values that no
 * updater trains: a {@code BatchNormalization} layer stores its running mean and running variance (or log10 of the
 * standard deviation) as parameters with a {@link NoOp} updater, updated by averaging. Here a parameter is
 * <em>trainable</em> unless its layer gives it a {@code NoOp} updater, which matches the usual PyTorch and Keras
 * count (BN γ and β trainable, running statistics not). Frozen layers, which DL4J gives {@code NoOp}, and a model
 * configured with a global {@code NoOp} updater therefore count as not trainable.
 */
public final class ParameterCount {
    private final long total;
    private final long trainable;

    private ParameterCount(long total, long trainable) {
        this.total = total;
        this.trainable = trainable;
    }

    /**
     * Counts from a configuration, without initialising the network (only one layer's parameter views exist at a
     * time, unfilled).
     *
     * @param conf a graph configuration with every {@code nIn} set (built with input types)
     * @return the counts
     */
    public static ParameterCount of(ComputationGraphConfiguration conf) {
        long total = 0;
        long trainable = 0;
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (!(vertex instanceof LayerVertex)) {
                continue;
            }
            // init(...) registers variables on the configuration it is given: work on a copy
            NeuralNetConfiguration layerConf = ((LayerVertex) vertex).getLayerConf().clone();
            org.deeplearning4j.nn.conf.layers.Layer layer = layerConf.getLayer();
            ParamInitializer initializer = layer.initializer();
            long n = initializer.numParams(layerConf);
            if (n == 0) {
                continue;
            }
            total += n;
            INDArray view = Nd4j.createUninitialized(DataType.FLOAT, 1, n);
            for (Map.Entry<String, INDArray> param : initializer.init(layerConf, view, false).entrySet()) {
                if (isTrainable(layer.getUpdaterByParam(param.getKey()))) {
                    trainable += param.getValue().length();
                }
            }
        }
        return new ParameterCount(total, trainable);
    }

    /**
     * Counts from an initialised network.
     *
     * @param net an initialised graph
     * @return the counts; {@link #total()} equals {@code net.numParams()}
     */
    public static ParameterCount of(ComputationGraph net) {
        long total = 0;
        long trainable = 0;
        for (Layer layer : net.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer layerConf = layer.conf().getLayer();
            for (Map.Entry<String, INDArray> param : layer.paramTable().entrySet()) {
                long n = param.getValue().length();
                total += n;
                if (isTrainable(layerConf.getUpdaterByParam(param.getKey()))) {
                    trainable += n;
                }
            }
        }
        return new ParameterCount(total, trainable);
    }

    private static boolean isTrainable(IUpdater updater) {
        return !(updater instanceof NoOp);
    }

    /** @return the length of DL4J's flat parameter vector ({@code numParams()}) */
    public long total() {
        return total;
    }

    /** @return the parameters an updater trains */
    public long trainable() {
        return trainable;
    }

    /** @return {@code total() - trainable()}: BN running statistics and frozen parameters */
    public long nonTrainable() {
        return total - trainable;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ParameterCount)) {
            return false;
        }
        ParameterCount other = (ParameterCount) o;
        return total == other.total && trainable == other.trainable;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(total) * 31 + Long.hashCode(trainable);
    }

    @Override
    public String toString() {
        return String.format("%,d trainable + %,d non-trainable = %,d parameters", trainable, nonTrainable(), total);
    }
}
