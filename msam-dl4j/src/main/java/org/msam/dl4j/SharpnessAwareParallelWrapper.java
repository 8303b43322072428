package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.Registerable;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncDataSetIterator;
import org.nd4j.linalg.dataset.AsyncMultiDataSetIterator;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DL4J's {@link ParallelWrapper} for networks trained with this library's optimizers, made by {@link
 * SharpnessAware#parallelWrapper}: N workers, worker 0 the user's own network, each worker's model with its own
 * driver. docs/ALGORITHMS.md, section "Data-parallel training", states the maths; in short, with mini-batches handed
 * out in blocks of N (mini-batch i of a block to worker i, as DL4J does):
 * <ul>
 *   <li>{@link TrainingMode#AVERAGING}, every {@code averagingFrequency} rounds: the workers that trained since the
 *       last averaging are moved to their true weights θ_k, then θ̄ = Σ w_k·θ_k and (with {@code averageUpdaters},
 *       DL4J's default) the optimizer state v̄ = Σ w_k·v_k, with w_k the share of examples worker k trained on since
 *       the last averaging; every worker takes θ̄ and v̄, the rule recomputes what it derives from them (MSAM:
 *       c = ρ/(‖v̄‖ + δ), θ̃ = θ̄ − c·v̄) and training goes on. Perturbed weights θ̃ are never averaged. With
 *       frequency 1 and updater averaging, N workers on mini-batches b_1 … b_N of equal size take exactly the step one
 *       device takes on their union (mean loss): for SGD with momentum and for MSAM over it. SAM: each worker ascends
 *       with its own mini-batch gradient (Foret et al.'s per-device perturbation), then the same averaging.</li>
 *   <li>{@link TrainingMode#SHARED_GRADIENTS} (and {@code CUSTOM} with the user's accumulator): DL4J's
 *       threshold-encoded sharing of each worker's update; each worker keeps its own momentum and perturbs along it,
 *       the data-parallel analogue of SAM's m-sharpness.</li>
 * </ul>
 *
 * <p>Where it differs from DL4J 1.0.0-M2.1's ParallelWrapper, which it replaces for these networks:
 * <ul>
 *   <li>the replicas are built once, in the calling thread, from worker 0's θ and state, before any worker trains
 *       (DL4J rebuilds them at every {@code fit()}, each in its own thread while worker 0 may already train, so runs
 *       differ); runs are reproducible;</li>
 *   <li>{@code fit()} keeps every worker's optimizer state (DL4J ends with {@code Model.clear()}, which drops the
 *       updater: momentum restarted at every {@code fit()}), so one {@code fit()} per epoch equals one long run;</li>
 *   <li>{@code fit(iterator)} behaves as {@code net.fit(iterator)} for the user's listeners: {@code onEpochStart},
 *       {@code iterationDone} once per round after the averaging (at the true, averaged weights and state, so a
 *       checkpoint written there resumes exactly; the score is the workers' mean), {@code onEpochEnd}, and the epoch
 *       counter advances (DL4J hands its listeners to every worker thread and never advances the epoch); at its end
 *       the workers are averaged if they stepped since the last averaging, and the network holds θ;</li>
 *   <li>each worker trains in its own thread, started at the first {@code fit} and kept (with its ND4J workspaces)
 *       until {@link #close()} (DL4J starts and ends its threads at every {@code fit});</li>
 *   <li>each worker's thread seeds ND4J's random generator (dropout) from the calling thread's at every {@code fit},
 *       so that seeding the caller makes runs with dropout reproducible too;</li>
 *   <li>a round of AVERAGING is all or nothing: before DL4J's updater runs on any worker, every worker of the round
 *       has checked its step gradient and loss ({@link RoundGate}); a non-finite one on any worker (or a failed step)
 *       stops the fit with no worker's step applied, so the network keeps θ and the optimizer state from before the
 *       round (DL4J's wrapper checks nothing, and averages the other workers' steps in);</li>
 *   <li>the average is weighted by examples (DL4J: equal weights), so a short last mini-batch counts for what it
 *       holds; {@code averagingFrequency(0)} is refused (DL4J divides by it).</li>
 * </ul>
 * Listeners that act inside a step run on the worker that takes it: {@link GlobalGradientClipping} and {@link
 * DecoupledWeightDecay} on every worker (a copy each), {@link MsamDiagnostics} on worker 0 (its momentum and
 * gradient). The user's other listeners see worker 0, in the calling thread, between rounds.
 */
public final class SharpnessAwareParallelWrapper extends ParallelWrapper {
    private static final Logger LOG = LoggerFactory.getLogger(SharpnessAwareParallelWrapper.class);
    private final TrainingMode mode;
    private final List<Worker> team = new ArrayList<>();
    private final RoundGate gate = new RoundGate();
    private long rounds;
    private long lastAveraged;
    private ExecutorService[] threads;

    private SharpnessAwareParallelWrapper(Builder b) {
        super(b.network(), b.workers(), b.prefetch());
        this.mode = b.mode();
        this.averagingFrequency = b.frequency();
        this.averageUpdaters = b.updatersAveraged();
        this.workspaceMode = b.workspaces();
        this.gradientsAccumulator = b.accumulator();
        this.reportScore = b.scoreReported();
    }

    /**
     * @param net an initialised network
     * @return a builder for a wrapper around {@code net}
     */
    static ParallelWrapper.Builder<Model> builder(Model net) {
        Net.ofInitialised(net, "SharpnessAware.parallelWrapper(net)");
        return new Builder(net);
    }

    /** @return the training mode */
    public TrainingMode trainingMode() {
        return mode;
    }

    /** @return the user's network (worker 0) followed by the replicas, once the first {@code fit} has built them */
    public List<Model> workerModels() {
        List<Model> r = new ArrayList<>();
        for (Worker w : team) {
            r.add(w.model);
        }
        return r;
    }

    @Override
    public synchronized void fit(DataSetIterator source) {
        DataSetIterator it = source;
        boolean async = prefetchSize > 0 && source.asyncSupported();
        if (async) {
            it = new AsyncDataSetIterator(source, Math.max(prefetchSize, 2 * workers), false);
        }
        try {
            train(it, (m, d) -> {
                if (m instanceof MultiLayerNetwork) {
                    ((MultiLayerNetwork) m).fit(d);
                } else {
                    ((ComputationGraph) m).fit(d);
                }
            }, DataSet::numExamples, source);
        } finally {
            if (async) {
                ((AsyncDataSetIterator) it).shutdown();
            }
        }
    }

    @Override
    public synchronized void fit(MultiDataSetIterator source) {
        if (!(model instanceof ComputationGraph)) {
            throw new IllegalArgumentException("fit(MultiDataSetIterator) needs a ComputationGraph; a "
                    + "MultiLayerNetwork trains from a DataSetIterator");
        }
        MultiDataSetIterator it = source;
        boolean async = prefetchSize > 0 && source.asyncSupported();
        if (async) {
            it = new AsyncMultiDataSetIterator(source, Math.max(prefetchSize, 2 * workers), false);
        }
        try {
            train(it, (m, d) -> ((ComputationGraph) m).fit(d),
                    d -> (int) d.getFeatures(0).size(0), source);
        } finally {
            if (async) {
                ((AsyncMultiDataSetIterator) it).shutdown();
            }
        }
    }

    private interface Size<T> {
        int of(T batch);
    }

    private <T> void train(Iterator<T> batches, BiConsumer<Model, T> fit, Size<T> size, Object source) {
        if (source instanceof DataSetIterator && !((DataSetIterator) source).hasNext()
                && ((DataSetIterator) source).resetSupported()) {
            ((DataSetIterator) source).reset();
        }
        if (source instanceof MultiDataSetIterator && !((MultiDataSetIterator) source).hasNext()
                && ((MultiDataSetIterator) source).resetSupported()) {
            ((MultiDataSetIterator) source).reset();
        }
        Worker lead = assemble();
        List<TrainingListener> users = lead.enter(listeners);
        for (int k = 1; k < team.size(); k++) {
            team.get(k).follow(lead);
        }
        start();
        boolean done = false;
        try {
            for (Worker w : team) {
                w.beginEpoch();
            }
            for (TrainingListener l : users) {
                l.onEpochStart(lead.model);
            }
            List<T> block = new ArrayList<>(workers);
            while (batches.hasNext() && !stopFit.get()) {
                block.clear();
                while (block.size() < workers && batches.hasNext()) {
                    block.add(batches.next());
                }
                round(block, fit, size);
                boolean averaged = mode == TrainingMode.AVERAGING && rounds % averagingFrequency == 0;
                if (averaged) {
                    average();
                }
                int iteration = lead.net.iteration() - 1;
                for (TrainingListener l : users) {
                    l.iterationDone(lead.model, iteration, lead.net.epoch());
                }
            }
            if (mode == TrainingMode.AVERAGING && rounds > lastAveraged) {
                average();
            }
            for (Worker w : team) {
                w.endEpoch();
            }
            for (TrainingListener l : users) {
                l.onEpochEnd(lead.model);
            }
            for (Worker w : team) {
                w.nextEpoch();
            }
            done = true;
        } finally {
            stop();
            lead.leave(done);
        }
    }

    /** Builds the replicas on the first call, from worker 0's θ and optimizer state, in the calling thread. */
    private Worker assemble() {
        if (team.isEmpty()) {
            Worker lead = new Worker(model, true, gate);
            team.add(lead);
            lead.toTrue();
            for (int k = 1; k < workers; k++) {
                team.add(lead.replicate());
            }
        }
        return team.get(0);
    }

    /** Starts the workers' threads (kept until {@link #close()}), seeds them and attaches gradient sharing. */
    private void start() {
        if (threads == null) {
            threads = new ExecutorService[team.size()];
            for (int k = 0; k < threads.length; k++) {
                String name = "SharpnessAwareParallelWrapper worker " + k;
                threads[k] = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        // ND4J's random generator is per thread: each worker's (dropout masks) is seeded from the caller's
        long seed = Nd4j.getRandom().nextLong();
        List<Runnable> attach = new ArrayList<>();
        for (int k = 0; k < team.size(); k++) {
            Worker w = team.get(k);
            long own = seed + k;
            attach.add(() -> {
                Nd4j.getRandom().setSeed(own);
                if (gradientsAccumulator != null) {
                    w.share(gradientsAccumulator);
                }
            });
        }
        runAll(attach);
    }

    /** End of a fit: detaches gradient sharing (DL4J's accumulator keeps no residual across fits either). */
    private void stop() {
        if (threads == null || gradientsAccumulator == null) {
            return;
        }
        List<Runnable> detach = new ArrayList<>();
        for (Worker w : team) {
            detach.add(() -> w.share(null));
        }
        try {
            runAll(detach);
        } finally {
            gradientsAccumulator.reset();
        }
    }

    private <T> void round(List<T> block, BiConsumer<Model, T> fit, Size<T> size) {
        int iteration = team.get(0).net.iteration();
        if (gradientsAccumulator instanceof Registerable) {
            ((Registerable) gradientsAccumulator).registerConsumers(block.size());
        }
        List<Runnable> steps = new ArrayList<>();
        long[] examples = new long[block.size()];
        for (int k = 0; k < block.size(); k++) {
            Worker w = team.get(k);
            T batch = block.get(k);
            w.setIteration(iteration);
            examples[k] = size.of(batch);
            steps.add(() -> {
                try {
                    fit.accept(w.model, batch);
                } catch (RuntimeException | Error e) {
                    gate.abort();
                    throw e;
                }
            });
        }
        if (mode == TrainingMode.AVERAGING) {
            gate.open(block.size());
        }
        try {
            runAll(steps);
        } finally {
            gate.close();
        }
        for (int k = 0; k < block.size(); k++) {
            team.get(k).examples += examples[k];
        }
        rounds++;
        double score = 0;
        for (int k = 0; k < block.size(); k++) {
            score += team.get(k).model.score();
        }
        score /= block.size();
        Worker lead = team.get(0);
        lead.net.setScore(score);
        if (reportScore) {
            LOG.info("Mean score of the workers at iteration {}: {}", iteration, score);
        }
    }

    /**
     * θ̄ = Σ w_k·θ_k (and v̄ likewise, with updater averaging) over the workers that trained since the last averaging,
     * weighted by their examples, at the true weights; every worker takes the result, from which its next step derives
     * what the rule needs (MSAM's c). The workers are left at θ̄.
     */
    private void average() {
        List<Worker> stepped = new ArrayList<>();
        long total = 0;
        for (Worker w : team) {
            w.toTrue();
            if (w.examples > 0) {
                stepped.add(w);
                total += w.examples;
            }
        }
        if (!stepped.isEmpty()) {
            double[] weights = new double[stepped.size()];
            List<INDArray> params = new ArrayList<>();
            List<INDArray> states = new ArrayList<>();
            for (int i = 0; i < weights.length; i++) {
                Worker w = stepped.get(i);
                weights[i] = (double) w.examples / total;
                params.add(w.net.params());
                states.add(w.state());
            }
            List<INDArray> allParams = new ArrayList<>();
            List<INDArray> allStates = new ArrayList<>();
            for (Worker w : team) {
                allParams.add(w.net.params());
                allStates.add(w.state());
            }
            propagate(mean(params, weights), allParams);
            if (averageUpdaters && states.get(0) != null) {
                propagate(mean(states, weights), allStates);
            }
        }
        Worker lead = team.get(0);
        int iteration = lead.net.iteration() - 1;
        int epoch = lead.net.epoch();
        for (Worker w : team) {
            w.examples = 0;
            w.afterAveraging(iteration, epoch);
        }
        lastAveraged = rounds;
    }

    /** @return x_0 + Σ_{k≥1} w_k·(x_k − x_0): equal inputs give that input exactly (flags stay flags) */
    private static INDArray mean(List<INDArray> xs, double[] weights) {
        INDArray first = xs.get(0);
        INDArray m = first.dup();
        for (int k = 1; k < xs.size(); k++) {
            m.addi(xs.get(k).sub(first).muli(weights[k]));
        }
        return m;
    }

    private static void propagate(INDArray value, List<INDArray> targets) {
        for (INDArray t : targets) {
            t.assign(value);
        }
    }

    /** Runs one task per worker, each in that worker's thread, and rethrows the first failure. */
    private void runAll(List<Runnable> tasks) {
        List<Future<?>> futures = new ArrayList<>();
        for (int k = 0; k < tasks.size(); k++) {
            futures.add(threads[k].submit(tasks.get(k)));
        }
        RuntimeException failure = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                // a worker that only waited for another's failed step reports that one's exception
                if (failure == null || failure instanceof RoundGate.RoundAborted
                        && !(c instanceof RoundGate.RoundAborted)) {
                    failure = c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("Interrupted while the workers train", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Ends the workers' threads and frees their ND4J workspaces; a later {@code fit} starts new ones. */
    @Override
    public synchronized void close() {
        if (threads == null) {
            return;
        }
        List<Runnable> free = new ArrayList<>();
        for (int k = 0; k < threads.length; k++) {
            free.add(() -> Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread());
        }
        try {
            runAll(free);
        } finally {
            for (ExecutorService t : threads) {
                t.shutdown();
            }
            threads = null;
        }
    }

    /**
     * DL4J's {@link ParallelWrapper.Builder} (workers, averaging frequency, updater averaging, training mode, prefetch,
     * workspace mode, accumulator, as DL4J documents them) whose {@link #build()} makes a {@link
     * SharpnessAwareParallelWrapper}.
     */
    static final class Builder extends ParallelWrapper.Builder<Model> {
        Builder(Model model) {
            super(model);
        }

        Model network() {
            return model;
        }

        int workers() {
            return workers;
        }

        int prefetch() {
            return prefetchSize;
        }

        TrainingMode mode() {
            return trainingMode;
        }

        int frequency() {
            return averagingFrequency;
        }

        boolean updatersAveraged() {
            return averageUpdaters;
        }

        boolean scoreReported() {
            return reportScore;
        }

        WorkspaceMode workspaces() {
            return workspaceMode;
        }

        GradientsAccumulator accumulator() {
            return accumulator;
        }

        /**
         * @return the wrapper
         * @throws IllegalArgumentException when the averaging frequency is below 1 in AVERAGING mode
         * @throws DL4JInvalidConfigException in CUSTOM mode without a gradients accumulator
         */
        @Override
        public SharpnessAwareParallelWrapper build() {
            switch (trainingMode) {
                case AVERAGING:
                    if (averagingFrequency < 1) {
                        throw new IllegalArgumentException("averagingFrequency must be at least 1 (the number of "
                                + "rounds between two averagings), got " + averagingFrequency);
                    }
                    accumulator = null;
                    break;
                case SHARED_GRADIENTS:
                    if (accumulator == null) {
                        accumulator = sharedGradients();
                    }
                    break;
                case CUSTOM:
                    if (accumulator == null) {
                        throw new DL4JInvalidConfigException("Training mode CUSTOM needs a GradientsAccumulator: "
                                + "set gradientsAccumulator(...) on the builder");
                    }
                    break;
                default:
                    throw new IllegalArgumentException("Unknown training mode " + trainingMode);
            }
            return new SharpnessAwareParallelWrapper(this);
        }

        /** The accumulator DL4J's builder makes for SHARED_GRADIENTS, with its defaults. */
        private GradientsAccumulator sharedGradients() {
            if (thresholdAlgorithm == null) {
                thresholdAlgorithm = new AdaptiveThresholdAlgorithm();
            }
            long numParams = model.numParams();
            int maxUpdate = (int) (numParams / 16 + 5);
            long memory = encoderMemory == null || encoderMemory < 0 ? (long) maxUpdate * 4 * (workers + 3)
                    : encoderMemory;
            return new EncodedGradientsAccumulator(workers, new EncodingHandler(thresholdAlgorithm,
                    residualPostProcessor, maxUpdate, false), memory, workers + 2, Integer.MAX_VALUE, false);
        }
    }
}
