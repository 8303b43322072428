package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One worker of a {@link SharpnessAwareParallelWrapper}: a network (the user's for worker 0, a replica otherwise), its
 * own driver, and the listeners that act inside its steps. Every method but {@link #share} runs in the calling
 * thread between rounds.
 */
final class Worker {
    final Model model;
    final Net net;
    private final boolean lead;
    /** The wrapper's gate that makes each AVERAGING round all or nothing, the last in-step listener. */
    private final RoundGate gate;
    private SharpnessAwareListener driver;
    /** Examples trained since the last averaging. */
    long examples;
    /** Worker 0: its listeners and its driver's user listeners as the user set them, restored by {@link #leave}. */
    private List<TrainingListener> ownListeners;
    private List<TrainingListener> driverListeners;

    Worker(Model model, boolean lead, RoundGate gate) {
        this.model = model;
        this.net = Net.ofInitialised(model, "SharpnessAware.parallelWrapper(net)");
        this.lead = lead;
        this.gate = gate;
        this.driver = SharpnessAware.listener(model);
        if (driver != null) {
            driver.bind(net);
        }
    }

    /**
     * @return a listener that acts inside the step of the worker it is on: it stays on worker 0 during training, and
     *     {@link GlobalGradientClipping} and {@link DecoupledWeightDecay} are copied to every replica
     */
    private static boolean inStep(TrainingListener l) {
        return l instanceof GlobalGradientClipping || l instanceof DecoupledWeightDecay || l instanceof MsamDiagnostics
                || l instanceof SharpnessAwareListener || l instanceof RoundGate;
    }

    /**
     * Worker 0, at the start of a fit: the listeners that act inside a step stay as they are; the user's others see
     * worker 0's passes ({@code onForwardPass}, {@code onBackwardPass}, {@code onGradientCalculation}) during its step
     * and are returned, for the wrapper to call {@code iterationDone} and the epoch callbacks between rounds.
     *
     * @param extra the wrapper's own listeners
     * @return the listeners the wrapper calls between rounds: the user's others, then {@code extra}
     */
    List<TrainingListener> enter(Collection<TrainingListener> extra) {
        toTrue();
        ownListeners = new ArrayList<>(net.listeners());
        List<TrainingListener> between = new ArrayList<>();
        List<TrainingListener> own = split(ownListeners, between);
        if (driver != null) {
            driverListeners = driver.getUserListeners();
            List<TrainingListener> users = split(driverListeners, between);
            users.add(gate);
            driver.setUserListeners(users);
        } else {
            own.add(gate);
        }
        net.setListeners(own);
        if (extra != null) {
            for (TrainingListener l : extra) {
                if (!between.contains(l)) {
                    between.add(l);
                }
            }
        }
        return between;
    }

    private static List<TrainingListener> split(List<TrainingListener> listeners, List<TrainingListener> between) {
        List<TrainingListener> during = new ArrayList<>();
        for (TrainingListener l : listeners) {
            if (inStep(l)) {
                during.add(l);
            } else {
                during.add(new PassesOnly(l));
                between.add(l);
            }
        }
        return during;
    }

    /** Forwards a listener the callbacks of a step's passes; its other callbacks come from the wrapper. */
    private static final class PassesOnly extends BaseTrainingListener {
        private final TrainingListener user;

        PassesOnly(TrainingListener user) {
            this.user = user;
        }

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            user.onForwardPass(model, activations);
        }

        @Override
        public void onForwardPass(Model model, Map<String, INDArray> activations) {
            user.onForwardPass(model, activations);
        }

        @Override
        public void onBackwardPass(Model model) {
            user.onBackwardPass(model);
        }

        @Override
        public void onGradientCalculation(Model model) {
            user.onGradientCalculation(model);
        }
    }

    /**
     * Worker 0, at the end of a fit: gives the network back its listeners; after a failure, moves it to θ.
     *
     * @param completed whether the fit completed
     */
    void leave(boolean completed) {
        try {
            if (!completed) {
                toTrue();
            }
        } finally {
            if (driver != null && driverListeners != null) {
                driver.setUserListeners(driverListeners);
            }
            if (ownListeners != null) {
                net.setListeners(ownListeners);
            }
            driverListeners = null;
            ownListeners = null;
        }
    }

    /**
     * @return a replica of this worker's network (θ, optimizer state, counters), with its own driver and in-step
     *     listeners
     */
    Worker replicate() {
        Model copy;
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) model;
            copy = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(m.getLayerWiseConfigurations().toJson()));
        } else {
            ComputationGraph g = (ComputationGraph) model;
            copy = new ComputationGraph(ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson()));
        }
        copy.init();
        copy.params().assign(model.params());
        Net c = Net.of(copy);
        c.blocks(); // creates the updater and its state view
        INDArray state = state();
        if (state != null) {
            stateOf(copy).assign(state);
        }
        List<TrainingListener> copies = new ArrayList<>();
        boolean decay = false;
        List<TrainingListener> inner = new ArrayList<>(net.listeners());
        if (driver != null) {
            inner.addAll(driver.getUserListeners());
        }
        for (TrainingListener l : inner) {
            if (l instanceof GlobalGradientClipping) {
                copies.add(new GlobalGradientClipping(((GlobalGradientClipping) l).getMaxNorm()));
            }
            decay |= l instanceof DecoupledWeightDecay;
        }
        copies.add(gate);
        if (driver != null) {
            SharpnessAware.installOn(copy, driver.getAccumulation(), copies.toArray(new TrainingListener[0]));
        } else {
            if (decay) {
                DecoupledWeightDecay.install(copy);
            }
            List<TrainingListener> all = new ArrayList<>(c.listeners());
            all.addAll(copies);
            c.setListeners(all);
        }
        Worker w = new Worker(copy, false, gate);
        w.follow(this);
        return w;
    }

    /** A replica, at the start of a fit: takes worker 0's θ and counters (it keeps its own optimizer state). */
    void follow(Worker leader) {
        if (lead) {
            return;
        }
        toTrue();
        model.params().assign(leader.model.params());
        setIteration(leader.net.iteration());
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).getLayerWiseConfigurations().setEpochCount(leader.net.epoch());
        } else {
            ((ComputationGraph) model).getConfiguration().setEpochCount(leader.net.epoch());
        }
    }

    void setIteration(int iteration) {
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).getLayerWiseConfigurations().setIterationCount(iteration);
        } else {
            ((ComputationGraph) model).getConfiguration().setIterationCount(iteration);
        }
    }

    /** @return the network's whole optimizer-state view (null for an updater without state) */
    INDArray state() {
        return stateOf(model);
    }

    private static INDArray stateOf(Model m) {
        if (m instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) m).getUpdater(true).getStateViewArray();
        }
        return ((ComputationGraph) m).getUpdater(true).getStateViewArray();
    }

    /** In the worker's thread: attaches DL4J's gradient sharing (null detaches it). */
    void share(GradientsAccumulator accumulator) {
        if (accumulator != null) {
            accumulator.touch();
        }
        if (driver != null) {
            driver.share(net, accumulator);
        } else {
            net.setAccumulator(accumulator);
        }
    }

    /** Start of a fit: the driver's epoch callback (the network holds θ). */
    void beginEpoch() {
        if (driver != null) {
            driver.onEpochStart(model);
        }
    }

    /** End of a fit: the driver's epoch callback (the network holds θ). */
    void endEpoch() {
        if (driver != null) {
            driver.onEpochEnd(model);
        }
    }

    /** After the epoch's last listener: the epoch counter advances, as in {@code net.fit(iterator)}. */
    void nextEpoch() {
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).incrementEpochCount();
        } else {
            ((ComputationGraph) model).incrementEpochCount();
        }
    }

    /** Moves the network to θ. */
    void toTrue() {
        if (driver != null) {
            driver.removePerturbation(net);
        }
    }

    /**
     * After the wrapper replaced θ (and the optimizer state) by the average: the rule recomputes what it derives from
     * them, as after the step of {@code iteration}; the network stays at θ.
     */
    void afterAveraging(int iteration, int epoch) {
        if (driver != null) {
            driver.stateReplaced(net, iteration, epoch);
        }
    }
}
