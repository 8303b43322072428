package org.msam.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.msam.dl4j.PerturbationScope;
import org.msam.dl4j.SharpnessAware;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A tiny MLP in double precision, its data, one shared local[2] Spark context, and recorders of what workers do. */
final class Fixtures {
    static final int IN = 4;
    static final int HIDDEN = 6;
    static final int OUT = 3;
    static final double L2 = 1e-3;

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

    static MultiLayerConfiguration mlp(IUpdater updater) {
        return base(updater).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build())
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

    static int iteration(Model model) {
        return model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getIterationCount()
                : ((ComputationGraph) model).getConfiguration().getIterationCount();
    }

    static INDArray state(Model model) {
        return model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getUpdater(true).getStateViewArray()
                : ((ComputationGraph) model).getUpdater(true).getStateViewArray();
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.reshape(a.length()).sub(b.reshape(b.length())).amaxNumber().doubleValue();
    }

    /**
     * Records the mini-batch every worker trains, by the iteration it trains it at (one averaging round per
     * iteration at averaging frequency 1). Executors of local mode run in the test JVM, so the record is shared.
     */
    static final class RecordingHook implements TrainingHook {
        private static final long serialVersionUID = 1L;
        static final Map<Integer, List<DataSet>> ROUNDS = new ConcurrentHashMap<>();

        @Override
        public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            DataSet d = ((DataSet) minibatch).copy();
            ROUNDS.computeIfAbsent(iteration(model), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(d);
        }

        @Override
        public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
            org.nd4j.linalg.dataset.api.DataSet d = new DataSet(minibatch.getFeatures(0).dup(),
                    minibatch.getLabels(0).dup());
            preUpdate(d, model);
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
        }
    }

    /** A user listener: the parameters the worker's copy holds at each iterationDone, and whether it was perturbed. */
    static final class ThetaProbe extends BaseTrainingListener implements Serializable {
        private static final long serialVersionUID = 1L;
        static final Map<Integer, List<INDArray>> SEEN = new ConcurrentHashMap<>();
        static final Map<Integer, Boolean> PERTURBED = new ConcurrentHashMap<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            SEEN.computeIfAbsent(iteration, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(model.params().dup());
            if (SharpnessAware.isPerturbed(model)) {
                PERTURBED.put(iteration, true);
            }
        }
    }

    static void clearRecords() {
        RecordingHook.ROUNDS.clear();
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
     * The per-worker reference: in every recorded round, each worker's mini-batch trains its own copy of the averaged
     * model on one device (the library's driver; SAM's ascent from that mini-batch's gradient alone), then θ and the
     * optimizer state are averaged over the copies.
     */
    static MultiLayerNetwork perWorkerReference(MultiLayerConfiguration conf, INDArray initial) {
        MultiLayerNetwork avg = new MultiLayerNetwork(conf.clone());
        avg.init(initial.dup(), true);
        Map<Integer, List<DataSet>> sorted = new TreeMap<>(RecordingHook.ROUNDS);
        for (Map.Entry<Integer, List<DataSet>> e : sorted.entrySet()) {
            INDArray params = null;
            INDArray state = null;
            List<DataSet> round = e.getValue();
            for (DataSet d : round) {
                MultiLayerNetwork w = new MultiLayerNetwork(conf.clone());
                w.init(avg.params().dup(), true);
                w.getUpdater(true).getStateViewArray().assign(avg.getUpdater(true).getStateViewArray());
                w.setIterationCount(e.getKey());
                SharpnessAware.install(w);
                w.fit(d);
                SharpnessAware.removePerturbation(w);
                params = params == null ? w.params().dup() : params.addi(w.params());
                INDArray s = w.getUpdater(true).getStateViewArray();
                state = state == null ? s.dup() : state.addi(s);
            }
            avg.params().assign(params.divi(round.size()));
            avg.getUpdater(true).getStateViewArray().assign(state.divi(round.size()));
            avg.setIterationCount(e.getKey() + 1);
        }
        return avg;
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
