package org.msam.dl4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.msam.updater.MomentumUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * One layer's learning rate changed during training, with the optimizer state carried over: what DL4J's
 * {@code net.setLearningRate(layer, lr)} does, for a state of any layout.
 *
 * <p>DL4J's method changes the layer's updater configuration, which splits the layer out of the updater block it
 * shared with other layers, and then rebuilds the state array assuming that every block's state is a whole multiple
 * of its parameter count. Every state of the library's current layout is ({@link org.msam.config.StateLayout}), so
 * DL4J's own method works for a network built with this version. Models saved with layout 0 keep a few numbers per
 * block besides their per-parameter arrays (the step counters of SgdMomentum and AdamW, MSAM's c, MESA's started
 * flag), on which DL4J's rebuild fails with "Updater state array lengths should be equal". This class rebuilds the
 * state from each block's named state arrays instead:
 * every per-parameter array is split by parameter and regrouped into the new blocks, and the per-block numbers (the
 * same in every block, since every block steps at every iteration) are copied into each new block. It works for
 * ND4J's updaters as well. Call it between steps, as DL4J's method (not from a listener inside a step); the network's
 * sharpness-aware driver, if installed, binds itself to the new updater blocks at the next step.
 *
 * <p>The trajectory afterwards equals that of a network configured from the start with a learning-rate schedule for
 * that layer which switches at this iteration.
 */
public final class LearningRates {
    private LearningRates() {
    }

    /**
     * @param net   the network
     * @param layer the layer's index
     * @param lr    its new learning rate (replaces any schedule of that layer)
     * @throws IllegalArgumentException when the layer has no updater with a learning rate
     */
    public static void set(MultiLayerNetwork net, int layer, double lr) {
        change(net.getLayer(layer).conf().getLayer(), "layer " + layer, lr, null);
        rebuild((BaseMultiLayerUpdater<?>) net.getUpdater(), () -> {
            net.setUpdater(null);
            return (BaseMultiLayerUpdater<?>) net.getUpdater();
        });
    }

    /**
     * @param net      the network
     * @param layer    the layer's index
     * @param schedule its new learning-rate schedule
     * @throws IllegalArgumentException when the layer has no updater with a learning rate
     */
    public static void set(MultiLayerNetwork net, int layer, ISchedule schedule) {
        change(net.getLayer(layer).conf().getLayer(), "layer " + layer, Double.NaN, schedule);
        rebuild((BaseMultiLayerUpdater<?>) net.getUpdater(), () -> {
            net.setUpdater(null);
            return (BaseMultiLayerUpdater<?>) net.getUpdater();
        });
    }

    /**
     * @param graph the graph
     * @param layer the layer's name
     * @param lr    its new learning rate (replaces any schedule of that layer)
     * @throws IllegalArgumentException when the layer has no updater with a learning rate
     */
    public static void set(ComputationGraph graph, String layer, double lr) {
        change(graph.getLayer(layer).conf().getLayer(), "layer \"" + layer + "\"", lr, null);
        rebuild(graph.getUpdater(), () -> {
            graph.setUpdater(null);
            return graph.getUpdater();
        });
    }

    /**
     * @param graph    the graph
     * @param layer    the layer's name
     * @param schedule its new learning-rate schedule
     * @throws IllegalArgumentException when the layer has no updater with a learning rate
     */
    public static void set(ComputationGraph graph, String layer, ISchedule schedule) {
        change(graph.getLayer(layer).conf().getLayer(), "layer \"" + layer + "\"", Double.NaN, schedule);
        rebuild(graph.getUpdater(), () -> {
            graph.setUpdater(null);
            return graph.getUpdater();
        });
    }

    private static void change(org.deeplearning4j.nn.conf.layers.Layer conf, String name, double lr,
                               ISchedule schedule) {
        IUpdater u = conf instanceof BaseLayer ? ((BaseLayer) conf).getIUpdater() : null;
        if (u == null || !u.hasLearningRate()) {
            throw new IllegalArgumentException(name + " has no updater with a learning rate (" + u + ")");
        }
        u.setLrAndSchedule(lr, schedule);
    }

    /** Creates the network's new updater (after its configuration changed). */
    private interface NewUpdater {
        BaseMultiLayerUpdater<?> create();
    }

    /** One parameter's part of its block's state: each per-parameter array's slice, and the block's numbers. */
    private static final class Part {
        final Map<String, INDArray> arrays = new LinkedHashMap<>();
        final Map<String, INDArray> numbers = new LinkedHashMap<>();
    }

    private static void rebuild(BaseMultiLayerUpdater<?> old, NewUpdater next) {
        Map<Trainable, Map<String, Part>> parts = new IdentityHashMap<>();
        for (UpdaterBlock b : old.getUpdaterBlocks()) {
            long n = b.getParamOffsetEnd() - b.getParamOffsetStart();
            Map<String, INDArray> state = stateOf(b.getGradientUpdater(), n);
            long offset = 0;
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                long len = ps.getParamView().length();
                Part p = new Part();
                for (Map.Entry<String, INDArray> e : state.entrySet()) {
                    INDArray a = e.getValue().reshape(e.getValue().length());
                    if (a.length() == n) {
                        p.arrays.put(e.getKey(), a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset,
                                offset + len)).dup());
                    } else {
                        p.numbers.put(e.getKey(), a.dup());
                    }
                }
                parts.computeIfAbsent(ps.getLayer(), k -> new HashMap<>()).put(ps.getParamName(), p);
                offset += len;
            }
        }
        BaseMultiLayerUpdater<?> created = next.create();
        for (UpdaterBlock b : created.getUpdaterBlocks()) {
            long n = b.getParamOffsetEnd() - b.getParamOffsetStart();
            Map<String, INDArray> state = stateOf(b.getGradientUpdater(), n);
            List<Part> mine = new ArrayList<>();
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                mine.add(parts.get(ps.getLayer()).get(ps.getParamName()));
            }
            for (Map.Entry<String, INDArray> e : state.entrySet()) {
                INDArray target = e.getValue().reshape(e.getValue().length());
                String key = e.getKey();
                if (target.length() == n && mine.get(0).arrays.containsKey(key)) {
                    List<INDArray> pieces = new ArrayList<>();
                    for (Part p : mine) {
                        pieces.add(p.arrays.get(key));
                    }
                    target.assign(pieces.size() == 1 ? pieces.get(0) : Nd4j.concat(0, pieces.toArray(new INDArray[0])));
                } else {
                    INDArray value = mine.get(0).numbers.get(key);
                    for (Part p : mine) {
                        if (!value.equals(p.numbers.get(key))) {
                            throw new IllegalStateException("The optimizer state's " + key + " differs between the "
                                    + "updater blocks being merged (" + value + " and " + p.numbers.get(key) + ")");
                        }
                    }
                    target.assign(value);
                }
            }
        }
    }

    private static Map<String, INDArray> stateOf(GradientUpdater<?> u, long n) {
        if (u instanceof MomentumUpdater) {
            ((MomentumUpdater) u).resolve(n);
        }
        Map<String, INDArray> s = u.getState();
        if (s == null) {
            return Map.of();
        }
        for (Map.Entry<String, INDArray> e : s.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalStateException("The optimizer state of " + u.getConfig() + " is not laid out ("
                        + e.getKey() + "): train at least one step before changing a layer's learning rate");
            }
        }
        return s;
    }
}
