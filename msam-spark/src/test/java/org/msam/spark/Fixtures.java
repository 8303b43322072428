package org.msam.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.PerturbationScope;
import org.msam.dl4j.SharpnessAware;
import org.msam.rule.MsamRule;
import org.msam.updater.MsamUpdater;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A tiny MLP in double precision, its data, one shared local[2] Spark context, the training master the tests use,
 * recorders of what workers do, and the one-device references.
 */
final class Fixtures {
    static final int IN = 4;
    static final int HIDDEN = 6;
    static final int OUT = 3;
    static final double L2 = 1e-3;
    /** Workers per round (local[2]: one per executor thread). */
    static final int WORKERS = 2;
    /** Examples per mini-batch, per DataSet of the RDD and per worker. */
    static final int BATCH = 4;

    private static JavaSparkContext sc;

    private Fixtures() {
    }

    /** @return the one Spark context of the test JVM, local mode with two executor threads */
    static synchronized JavaSparkContext spark() {
        if (sc == null) {
            Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
            SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("msam-spark-test")
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
            sc = new JavaSparkContext(conf);
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
        }
        return sc;
    }

    private static NeuralNetConfiguration.Builder base(IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.DOUBLE).updater(updater)
                .weightInit(WeightInit.XAVIER).l2(L2).l2Bias(L2);
    }

    /** ρ of {@link #msam()}. */
    static final double RHO = 0.5;

    /** @return MSAM over SgdMomentum (η 0.1, μ 0.9), ρ {@value #RHO}: the tests' MSAM */
    static Msam msam() {
        return Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(RHO).build();
    }

    /** A network of a configuration, its initial θ, and the same network after one Spark {@code fit}. */
    static final class Trained {
        final MultiLayerNetwork net;
        final INDArray initial;

        Trained(MultiLayerConfiguration conf, TrainingMaster<?, ?> master, JavaRDD<DataSet> data) {
            net = new MultiLayerNetwork(conf);
            net.init();
            initial = net.params().dup();
            new SparkDl4jMultiLayer(spark(), net, master).fit(data);
        }
    }

    static MultiLayerConfiguration mlp(IUpdater updater) {
        return base(updater).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    /** The MLP with a BatchNormalization layer between the dense and the output layer. */
    static MultiLayerConfiguration mlpWithBatchNorm(IUpdater updater) {
        return base(updater).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().nOut(HIDDEN).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    static ComputationGraphConfiguration graph(IUpdater updater) {
        return base(updater).graphBuilder().addInputs("in")
                .addLayer("d", new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
    }

    /** @return {@code count} mini-batches of {@code size} examples: Gaussian features, labels from a fixed rule */
    static List<DataSet> batches(int count, int size, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, size, IN);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, size, OUT);
            for (int i = 0; i < size; i++) {
                double s = x.getDouble(i, 0) + 0.5 * x.getDouble(i, 1) - x.getDouble(i, 2);
                y.putScalar(i, s < -0.4 ? 0 : s < 0.4 ? 1 : 2, 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    /** @return {@code count} mini-batches of {@link #BATCH} examples in {@link #WORKERS} partitions */
    static JavaRDD<DataSet> rdd(int count, long seed) {
        return spark().parallelize(batches(count, BATCH, seed), WORKERS);
    }

    /**
     * The library's master as the tests run it: {@link #WORKERS} workers, mini-batches of {@link #BATCH}, the RDD's
     * DataSets handed to the workers directly (no export), no prefetch, dl4j-spark's random split seeded, and a
     * {@link RecordingHook} after the library's hook.
     */
    static TrainingMaster<?, ?> master(long seed, int averagingFrequency) {
        return SharpnessAwareSpark.parameterAveraging(WORKERS, BATCH).batchSizePerWorker(BATCH)
                .averagingFrequency(averagingFrequency).workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(seed).trainingHooks(new RecordingHook())
                .build();
    }

    /** Prints a measured difference (surefire puts it in the test's output file). */
    static double measured(String what, double error) {
        System.out.printf("%s: max |difference| %.3e%n", what, error);
        return error;
    }

    static INDArray state(Model model) {
        return model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getUpdater(true).getStateViewArray()
                : ((ComputationGraph) model).getUpdater(true).getStateViewArray();
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.reshape(a.length()).sub(b.reshape(b.length())).amaxNumber().doubleValue();
    }

    /**
     * One worker's copy of the network in one averaging round (dl4j-spark builds a new copy per worker and round):
     * the counters it started at, the mini-batches it trained in order, and the parameters and updater state it held
     * after its last one, which is what the worker returns to the driver.
     */
    static final class Copy {
        final int iteration;
        final int epoch;
        final List<DataSet> batches = Collections.synchronizedList(new ArrayList<>());
        volatile INDArray params;
        volatile INDArray state;

        Copy(int iteration, int epoch) {
            this.iteration = iteration;
            this.epoch = epoch;
        }
    }

    /**
     * Records the mini-batch every worker trains, by the iteration it trains it at (one averaging round per
     * iteration at averaging frequency 1), and by the worker's copy ({@link Copy}). It runs after the library's hook,
     * so it sees each copy at θ after a mini-batch. Executors of local mode run in the test JVM, so the record is
     * shared.
     */
    static final class RecordingHook implements TrainingHook {
        private static final long serialVersionUID = 1L;
        static final Map<Integer, List<DataSet>> ROUNDS = new ConcurrentHashMap<>();
        static final Map<Model, Copy> COPIES = Collections.synchronizedMap(new IdentityHashMap<>());

        @Override
        public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            DataSet d = ((DataSet) minibatch).copy();
            ROUNDS.computeIfAbsent(Drivers.iteration(model), k -> Collections.synchronizedList(new ArrayList<>())).add(d);
            COPIES.computeIfAbsent(model, m -> new Copy(Drivers.iteration(m), Drivers.epoch(m))).batches.add(d);
        }

        @Override
        public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            Copy c = COPIES.get(model);
            c.params = model.params().dup();
            c.state = state(model).dup();
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
            org.nd4j.linalg.dataset.api.DataSet d = new DataSet(minibatch.getFeatures(0).dup(),
                    minibatch.getLabels(0).dup());
            preUpdate(d, model);
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
            postUpdate((org.nd4j.linalg.dataset.api.DataSet) null, model);
        }
    }

    /** A user listener: the parameters the worker's copy holds at each iterationDone, and whether it was perturbed. */
    static final class ThetaProbe extends BaseTrainingListener implements Serializable {
        private static final long serialVersionUID = 1L;
        static final Map<Integer, List<INDArray>> SEEN = new ConcurrentHashMap<>();
        static final Map<Integer, Boolean> PERTURBED = new ConcurrentHashMap<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            SEEN.computeIfAbsent(iteration, k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(model.params().dup());
            if (SharpnessAware.isPerturbed(model)) {
                PERTURBED.put(iteration, true);
            }
        }
    }

    static void clearRecords() {
        RecordingHook.ROUNDS.clear();
        RecordingHook.COPIES.clear();
        ThetaProbe.SEEN.clear();
        ThetaProbe.PERTURBED.clear();
    }

    /** The recorded rounds in iteration order, each round's worker batches merged into one union batch. */
    static List<DataSet> unionBatches(int workers, int batchSize) {
        List<DataSet> out = new ArrayList<>();
        Map<Integer, List<DataSet>> sorted = new TreeMap<>(RecordingHook.ROUNDS);
        int expected = 0;
        for (Map.Entry<Integer, List<DataSet>> e : sorted.entrySet()) {
            if (e.getKey() != expected++) {
                throw new AssertionError("no recorded round at iteration " + (expected - 1) + ": " + sorted.keySet());
            }
            List<DataSet> round = new ArrayList<>(e.getValue());
            if (round.size() != workers) {
                throw new AssertionError("round " + e.getKey() + " had " + round.size() + " worker batches");
            }
            for (DataSet d : round) {
                if (d.numExamples() != batchSize) {
                    throw new AssertionError("round " + e.getKey() + ": a worker batch of " + d.numExamples());
                }
            }
            round.sort(Comparator.comparingDouble(d -> d.getFeatures().sumNumber().doubleValue()));
            out.add(DataSet.merge(round));
        }
        return out;
    }

    /**
     * One device trained on the union batches from {@code initial} parameters; with SAM/MSAM installed, θ after every
     * step goes to {@code thetaAfter} (when not null), and the network ends at θ.
     */
    static MultiLayerNetwork reference(MultiLayerConfiguration conf, INDArray initial, List<DataSet> unions,
            boolean sharpnessAware, List<INDArray> thetaAfter) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
        net.init(initial.dup(), true);
        if (sharpnessAware) {
            SharpnessAware.install(net);
        }
        for (DataSet d : unions) {
            net.fit(d);
            if (thetaAfter != null) {
                PerturbationScope scope = SharpnessAware.unperturbed(net);
                thetaAfter.add(net.params().dup());
                scope.close();
            }
        }
        if (sharpnessAware) {
            SharpnessAware.removePerturbation(net);
        }
        return net;
    }

    /**
     * The recorded copies by averaging round, in round order, each round's copies ordered by their first mini-batch;
     * checks that there are {@code count} rounds of {@link #WORKERS} copies, each of which trained
     * {@code stepsPerCopy} mini-batches of {@link #BATCH} examples, and that round r started at iteration
     * {@code r·stepsPerCopy}.
     */
    static List<List<Copy>> rounds(int count, int stepsPerCopy) {
        List<List<Copy>> rounds = rounds();
        if (rounds.size() != count) {
            throw new AssertionError(rounds.size() + " rounds recorded, expected " + count);
        }
        for (int r = 0; r < count; r++) {
            List<Copy> round = rounds.get(r);
            if (round.get(0).iteration != r * stepsPerCopy || round.size() != WORKERS) {
                throw new AssertionError("round " + r + ": " + round.size() + " copies from iteration "
                        + round.get(0).iteration);
            }
            for (Copy c : round) {
                if (c.batches.size() != stepsPerCopy) {
                    throw new AssertionError("round " + r + ": a copy trained " + c.batches.size() + " mini-batches");
                }
                for (DataSet d : c.batches) {
                    if (d.numExamples() != BATCH) {
                        throw new AssertionError("round " + r + ": a worker batch of " + d.numExamples());
                    }
                }
            }
        }
        return rounds;
    }

    private static List<List<Copy>> rounds() {
        Map<Integer, List<Copy>> byIteration = new TreeMap<>();
        synchronized (RecordingHook.COPIES) {
            for (Copy c : RecordingHook.COPIES.values()) {
                byIteration.computeIfAbsent(c.iteration, k -> new ArrayList<>()).add(c);
            }
        }
        List<List<Copy>> out = new ArrayList<>();
        for (List<Copy> round : byIteration.values()) {
            round.sort(Comparator.comparingDouble(c -> c.batches.get(0).getFeatures().sumNumber().doubleValue()));
            out.add(round);
        }
        return out;
    }

    /**
     * The per-worker reference: in every recorded round, each worker's copy is replayed on one device (the
     * library's driver, {@code fit(DataSet)} per mini-batch: SAM's ascent from that mini-batch's gradient alone, the
     * worker's own c between its local MSAM steps) from the averaged model at the copy's counters, holding θ̃ from
     * the start as a one-device MSAM network does between iterations (from θ, the driver's first pass would run at θ
     * and be redone at θ̃, and BatchNorm's running statistics would keep the pass at θ); then θ and the
     * whole optimizer state are averaged over the copies (sum, then division by their number, as dl4j-spark) and
     * {@code afterAveraging} is applied to the average.
     */
    static MultiLayerNetwork perWorkerReference(MultiLayerConfiguration conf, INDArray initial,
            List<List<Copy>> rounds, Consumer<MultiLayerNetwork> afterAveraging) {
        MultiLayerNetwork avg = new MultiLayerNetwork(conf.clone());
        avg.init(initial.dup(), true);
        for (List<Copy> round : rounds) {
            INDArray params = null;
            INDArray state = null;
            int end = 0;
            for (Copy c : round) {
                MultiLayerNetwork w = new MultiLayerNetwork(conf.clone());
                w.init(avg.params().dup(), true);
                state(w).assign(state(avg));
                w.setIterationCount(c.iteration);
                w.setEpochCount(c.epoch);
                SharpnessAware.install(w);
                SharpnessAware.applyPerturbation(w);
                for (DataSet d : c.batches) {
                    w.fit(d);
                }
                SharpnessAware.removePerturbation(w);
                params = params == null ? w.params().dup() : params.addi(w.params());
                state = state == null ? state(w).dup() : state.addi(state(w));
                end = w.getIterationCount();
            }
            avg.params().assign(params.divi(round.size()));
            state(avg).assign(state.divi(round.size()));
            avg.setIterationCount(end);
            afterAveraging.accept(avg);
        }
        return avg;
    }

    /**
     * {@link #perWorkerReference(MultiLayerConfiguration, INDArray, List, Consumer)} over every recorded round, with
     * nothing re-derived after averaging (SAM).
     */
    static MultiLayerNetwork perWorkerReference(MultiLayerConfiguration conf, INDArray initial) {
        return perWorkerReference(conf, initial, rounds(), avg -> {
        });
    }

    /** @return the network's DL4J updater blocks */
    static List<UpdaterBlock> blocks(MultiLayerNetwork net) {
        return ((BaseMultiLayerUpdater<?>) net.getUpdater(true)).getUpdaterBlocks();
    }

    static ComputationGraph referenceGraph(ComputationGraphConfiguration conf, INDArray initial, List<DataSet> unions) {
        ComputationGraph net = new ComputationGraph(conf.clone());
        net.init(initial.dup(), true);
        SharpnessAware.install(net);
        for (DataSet d : unions) {
            net.fit(d);
        }
        SharpnessAware.removePerturbation(net);
        return net;
    }
}
