package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The parts of MultiLayerNetwork and ComputationGraph the listeners use, behind one interface. */
abstract class Net {
    final Model model;

    private Net(Model model) {
        this.model = model;
    }

    static Net of(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return new Mln((MultiLayerNetwork) model);
        }
        if (model instanceof ComputationGraph) {
            return new Graph((ComputationGraph) model);
        }
        if (model instanceof Layer) {
            throw new IllegalStateException("Layerwise pretraining (net.pretrain(...), net.pretrainLayer(...)) is not "
                    + "supported with a sharpness-aware updater: DL4J trains the layer on its own, outside the network "
                    + "the rule perturbs. Pretrain a copy of the network built with the base optimizer (for example "
                    + "SgdMomentum or AdamW), then copy its parameters into this one (net.setParams(copy.params())) "
                    + "and train it with SharpnessAware.install(net) as usual.");
        }
        throw new IllegalArgumentException("SAM/MSAM support MultiLayerNetwork and ComputationGraph (SameDiff has its "
                + "own entry point); got " + (model == null ? "null" : model.getClass().getName()));
    }

    /**
     * @param model  the model
     * @param caller the call, for the message
     * @return the model's accessors
     * @throws IllegalStateException when the network has not been initialised
     */
    static Net ofInitialised(Model model, String caller) {
        Net net = of(model);
        if (!net.initialised()) {
            throw new IllegalStateException("Call net.init() before " + caller + ": the network has no parameters "
                    + "yet");
        }
        return net;
    }

    /** @return true once {@code init()} has created the parameters and layers */
    abstract boolean initialised();

    /** @return the flat parameter vector every layer views */
    INDArray params() {
        INDArray p = model.params();
        return p.rank() == 1 ? p : p.reshape(p.length());
    }

    /** @return the flat gradient vector of the last backward pass */
    INDArray gradient() {
        INDArray g = model.gradient().gradient();
        return g.rank() == 1 ? g : g.reshape(g.length());
    }

    abstract List<UpdaterBlock> blocks();

    abstract int iteration();

    abstract int epoch();

    /** @param iteration the network's iteration count (the optimizer steps taken) */
    abstract void setIteration(int iteration);

    abstract void setScore(double score);

    abstract Collection<TrainingListener> listeners();

    abstract void setListeners(Collection<TrainingListener> listeners);

    abstract BackpropType backpropType();

    abstract Layer[] layers();

    void computeGradientAndScore() {
        model.computeGradientAndScore(null);
    }

    /** @return the accumulator of the network's solver (the solver exists once {@link #blocks()} was called) */
    org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator() {
        return model.getOptimizer().getGradientsAccumulator();
    }

    /** @param accumulator the accumulator the network's solver hands every step to */
    abstract void setAccumulator(org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator);

    private static final class Mln extends Net {
        final MultiLayerNetwork net;

        Mln(MultiLayerNetwork net) {
            super(net);
            this.net = net;
        }

        @Override
        boolean initialised() {
            return net.getLayers() != null && net.params() != null;
        }

        @Override
        List<UpdaterBlock> blocks() {
            return ((BaseMultiLayerUpdater<?>) net.getUpdater(true)).getUpdaterBlocks();
        }

        @Override
        int iteration() {
            return net.getIterationCount();
        }

        @Override
        int epoch() {
            return net.getEpochCount();
        }

        @Override
        void setIteration(int iteration) {
            net.getLayerWiseConfigurations().setIterationCount(iteration);
        }

        @Override
        void setScore(double score) {
            net.setScore(score);
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        void setListeners(Collection<TrainingListener> listeners) {
            net.setListeners(listeners);
        }

        @Override
        BackpropType backpropType() {
            return net.getLayerWiseConfigurations().getBackpropType();
        }

        @Override
        Layer[] layers() {
            return net.getLayers();
        }

        @Override
        void computeGradientAndScore() {
            net.computeGradientAndScore();
        }

        @Override
        void setAccumulator(org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator) {
            net.setGradientsAccumulator(accumulator);
        }
    }

    private static final class Graph extends Net {
        final ComputationGraph net;

        Graph(ComputationGraph net) {
            super(net);
            this.net = net;
        }

        @Override
        boolean initialised() {
            return net.getVertices() != null && net.params() != null;
        }

        @Override
        List<UpdaterBlock> blocks() {
            return net.getUpdater(true).getUpdaterBlocks();
        }

        @Override
        int iteration() {
            return net.getIterationCount();
        }

        @Override
        int epoch() {
            return net.getEpochCount();
        }

        @Override
        void setIteration(int iteration) {
            net.getConfiguration().setIterationCount(iteration);
        }

        @Override
        void setScore(double score) {
            net.setScore(score);
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        void setListeners(Collection<TrainingListener> listeners) {
            net.setListeners(listeners);
        }

        @Override
        BackpropType backpropType() {
            return net.getConfiguration().getBackpropType();
        }

        @Override
        Layer[] layers() {
            return net.getLayers();
        }

        @Override
        void computeGradientAndScore() {
            net.computeGradientAndScore();
        }

        @Override
        void setAccumulator(org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator) {
            net.setGradientsAccumulator(accumulator);
        }
    }
}
