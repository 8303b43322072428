package org.msam.spark.examples;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.util.ModelSerializer;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.spark.SharpnessAwareSpark;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a network (a small CNN, an MLP or WRN-16-1, {@link Models}) on CIFAR-10 on a Spark cluster with MSAM (or
 * SAM, or SgdMomentum) through {@link SharpnessAwareSpark#parameterAveraging(Integer, int)}, then evaluates it on the
 * test file with Spark. Run it with {@code spark-submit} and the application jar
 * ({@code msam-spark-examples/target/msam-spark-examples-*-app.jar}; the README, "Spark", gives the command):
 * <ul>
 *   <li>the driver lists the mini-batches only (their first record); each executor reads its mini-batches from the
 *       CIFAR-10 binary files ({@link Cifar10Files}), which must be at the {@code --data} path on every machine;</li>
 *   <li>each averaging round, dl4j-spark broadcasts θ and the optimizer state, every worker trains
 *       {@code --averaging-frequency} mini-batches of {@code --batch} examples, and the driver averages them
 *       (SharpnessAwareSpark's javadoc);</li>
 *   <li>it prints one line per epoch, the test accuracy, and the bytes Spark moved per round ({@link RoundSizes}),
 *       and writes the network with its updater state to {@code --output} if given.</li>
 * </ul>
 * On a cluster, with the driver on Java 17 or later, it refuses to start unless {@code spark.executor.extraJavaOptions}
 * holds Spark 3.1's opens ({@link #requireExecutorOpens}). {@code main} exits with status 2 on a usage error and 1 on
 * a failed run; {@link #run(String...)} returns a {@link Summary} instead.
 */
@Command(name = "SparkTrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains on CIFAR-10 binary files with MSAM (or SAM, SgdMomentum) on Spark.")
public final class SparkTrain implements Callable<SparkTrain.Summary> {
    @Option(names = "--data", required = true,
            description = "directory of the CIFAR-10 binary files (cifar-10-batches-bin), the same path on every "
                    + "executor")
    File data;

    @Option(names = "--train-files", split = ",", description = "training files in --data (default: "
            + "data_batch_1.bin,...,data_batch_5.bin)")
    List<String> trainFiles = Arrays.asList("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");

    @Option(names = "--test-file", description = "test file in --data (default: ${DEFAULT-VALUE})")
    String testFile = "test_batch.bin";

    @Option(names = "--limit", description = "use the first N training and test examples (default: all)")
    Integer limit;

    @Option(names = "--model", description = "cnn, mlp or wrn16-1 (default: ${DEFAULT-VALUE})")
    String model = "cnn";

    @Option(names = "--optimizer", description = "msam, sam or sgd (SgdMomentum) (default: ${DEFAULT-VALUE})")
    String optimizer = "msam";

    @Option(names = "--lr", description = "learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 0.05;

    @Option(names = "--momentum", description = "momentum (default: ${DEFAULT-VALUE})")
    double momentum = 0.9;

    @Option(names = "--rho", description = "rho of MSAM/SAM (default: 3 for MSAM, 0.05 for SAM)")
    Double rho;

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 1;

    @Option(names = "--batch", description = "examples per mini-batch and worker (default: ${DEFAULT-VALUE})")
    int batch = 32;

    @Option(names = "--workers", description = "workers per averaging round (default: Spark's default parallelism)")
    Integer workers;

    @Option(names = "--averaging-frequency", description = "mini-batches per worker between averages (default: "
            + "${DEFAULT-VALUE})")
    int averagingFrequency = 1;

    @Option(names = "--seed", description = "seed of the weights and of dl4j-spark's split (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--output", description = "write the trained network with its updater state to this file")
    File output;

    /** What a run did. */
    public static final class Summary {
        /** Averaging rounds over all epochs. */
        public final int rounds;
        /** Workers per round. */
        public final int workers;
        /** Parameters of the network. */
        public final long parameters;
        /** Accuracy on the (limited) test file. */
        public final double testAccuracy;
        /** Test examples evaluated. */
        public final long testExamples;
        /** Bytes of the broadcast pieces the driver stored, per round. */
        public final long broadcastBytesPerRound;
        /** Bytes of serialized task results, per round. */
        public final long resultBytesPerRound;
        /** Tasks that ended without success (lost executors, errors). */
        public final long failedTasks;

        Summary(int rounds, int workers, long parameters, double testAccuracy, long testExamples,
                long broadcastBytesPerRound, long resultBytesPerRound, long failedTasks) {
            this.rounds = rounds;
            this.workers = workers;
            this.parameters = parameters;
            this.testAccuracy = testAccuracy;
            this.testExamples = testExamples;
            this.broadcastBytesPerRound = broadcastBytesPerRound;
            this.resultBytesPerRound = resultBytesPerRound;
            this.failedTasks = failedTasks;
        }
    }

    /** Reads mini-batch {@code i}: records {@code i·batch} to {@code (i+1)·batch − 1}, on the executor. */
    static final class ReadBatch implements Function<Integer, DataSet> {
        private static final long serialVersionUID = 1L;
        private final Cifar10Files files;
        private final int batch;
        private final boolean flat;

        ReadBatch(Cifar10Files files, int batch, boolean flat) {
            this.files = files;
            this.batch = batch;
            this.flat = flat;
        }

        @Override
        public DataSet call(Integer i) {
            return files.read((long) i * batch, batch, flat);
        }
    }

    private IUpdater updater() {
        SgdMomentum base = SgdMomentum.builder().learningRate(learningRate).momentum(momentum).build();
        switch (optimizer) {
            case "msam":
                return Msam.builder().base(base).rho(rho == null ? 3.0 : rho).build();
            case "sam":
                return Sam.builder().base(base).rho(rho == null ? 0.05 : rho).build();
            case "sgd":
                return base;
            default:
                throw new CommandLine.ParameterException(new CommandLine(this), "--optimizer " + optimizer
                        + " is not one of msam, sam, sgd");
        }
    }

    /** @return the network of {@code --model}, initialised */
    private Model network(IUpdater updater) {
        switch (model) {
            case "cnn":
                return init(new MultiLayerNetwork(Models.cnn(updater, seed)));
            case "mlp":
                return init(new MultiLayerNetwork(Models.mlp(updater, seed)));
            case "wrn16-1":
                ComputationGraph g = new ComputationGraph(Models.wrn16x1(updater, seed));
                g.init();
                return g;
            default:
                throw new CommandLine.ParameterException(new CommandLine(this), "--model " + model
                        + " is not one of cnn, mlp, wrn16-1");
        }
    }

    private static MultiLayerNetwork init(MultiLayerNetwork net) {
        net.init();
        return net;
    }

    private static JavaRDD<DataSet> batches(JavaSparkContext sc, Cifar10Files files, long examples, int batch,
            boolean flat, int partitions) {
        List<Integer> first = new ArrayList<>();
        for (int i = 0; i < examples / batch; i++) {
            first.add(i);
        }
        return sc.parallelize(first, partitions).map(new ReadBatch(files, batch, flat));
    }

    @Override
    public Summary call() throws IOException {
        IUpdater updater = updater();
        Model net = network(updater);
        if (batch <= 0 || epochs <= 0 || averagingFrequency <= 0 || (limit != null && limit <= 0)
                || (workers != null && workers <= 0)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--batch, --epochs, --averaging-frequency, --limit and --workers must be positive");
        }
        SparkConf sparkConf = new SparkConf().setAppName("msam-spark-train");
        if (!sparkConf.contains("spark.master")) {
            throw new IllegalStateException("No Spark master: run SparkTrain with spark-submit --master "
                    + "spark://HOST:7077 (or local[2]).");
        }
        requireExecutorOpens(sparkConf);
        Cifar10Files train = Cifar10Files.open(data, trainFiles);
        Cifar10Files test = Cifar10Files.open(data, Arrays.asList(testFile));
        JavaSparkContext sc = new JavaSparkContext(sparkConf);
        try {
            RoundSizes sizes = new RoundSizes();
            sc.sc().addSparkListener(sizes);
            int n = workers != null ? workers : sc.defaultParallelism();
            boolean flat = model.equals("mlp");
            long trainExamples = limit == null ? train.size() : Math.min(limit, train.size());
            long testExamples = limit == null ? test.size() : Math.min(limit, test.size());
            JavaRDD<DataSet> trainRdd = batches(sc, train, trainExamples, batch, flat, n);
            JavaRDD<DataSet> testRdd = batches(sc, test, testExamples, batch, flat, n);

            TrainingMaster<?, ?> tm = SharpnessAwareSpark.parameterAveraging(n, batch).batchSizePerWorker(batch)
                    .averagingFrequency(averagingFrequency).workerPrefetchNumBatches(0)
                    .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(seed).build();
            SparkDl4jMultiLayer sparkNet = net instanceof MultiLayerNetwork
                    ? new SparkDl4jMultiLayer(sc, (MultiLayerNetwork) net, tm) : null;
            SparkComputationGraph sparkGraph = net instanceof ComputationGraph
                    ? new SparkComputationGraph(sc, (ComputationGraph) net, tm) : null;
            say("%s, %s, %d parameters; %d workers, mini-batches of %d, "
                    + "%d training examples (%s)", model, optimizer, net.numParams(), n, batch, trainExamples,
                    sc.master());
            for (int e = 1; e <= epochs; e++) {
                double score;
                if (sparkNet != null) {
                    sparkNet.fit(trainRdd);
                    score = sparkNet.getScore();
                } else {
                    sparkGraph.fit(trainRdd);
                    score = sparkGraph.getScore();
                }
                say("epoch %d: %d iterations, score %.4f", e, iterations(net), score);
            }
            int rounds = iterations(net) / averagingFrequency;
            long broadcast = sizes.broadcastBytes() / Math.max(1, rounds);
            long results = sizes.resultBytes() / Math.max(1, rounds);
            Evaluation eval = sparkNet != null ? sparkNet.evaluate(testRdd) : sparkGraph.evaluate(testRdd);
            say("test accuracy %.4f (%d examples)", eval.accuracy(),
                    eval.getNumRowCounter());
            say("per round: %d bytes broadcast, %d bytes of task results; %d tasks, "
                    + "%d failed", broadcast, results, sizes.tasks(), sizes.failedTasks());
            if (output != null) {
                ModelSerializer.writeModel(net, output, true);
                say("wrote %s", output);
            }
            return new Summary(rounds, n, net.numParams(), eval.accuracy(), (long) eval.getNumRowCounter(),
                    broadcast, results, sizes.failedTasks());
        } finally {
            sc.stop();
        }
    }

    /** The packages Spark 3.1 reflects into on Java 17; its executors die at start without them. */
    static final List<String> OPENS = Arrays.asList("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io",
            "java.net", "java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch",
            "sun.nio.cs", "sun.security.action", "sun.util.calendar");

    /**
     * On a cluster, refuses to start when the driver runs on Java 17 or later and the executors' Java options lack
     * one of {@link #OPENS}: the executors would die at start (Spark's {@code Platform}: "module java.base does not
     * opens java.nio to unnamed module"), the workers would launch new ones without end, and the job would wait
     * for resources forever.
     */
    static void requireExecutorOpens(SparkConf conf) {
        if (Runtime.version().feature() < 17 || conf.get("spark.master").startsWith("local")) {
            return;
        }
        String options = conf.get("spark.executor.extraJavaOptions", "");
        List<String> missing = new ArrayList<>();
        for (String p : OPENS) {
            if (!options.contains("--add-opens=java.base/" + p + "=ALL-UNNAMED")) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder fix = new StringBuilder();
            for (String p : OPENS) {
                fix.append(fix.length() == 0 ? "" : " ").append("--add-opens=java.base/").append(p)
                        .append("=ALL-UNNAMED");
            }
            throw new IllegalStateException("Spark 3.1's executors on Java 17 die at start without --add-opens for "
                    + missing + " (the job would then wait for executors forever). Add to spark-submit: --conf "
                    + "\"spark.executor.extraJavaOptions=" + fix + "\"");
        }
    }

    /**
     * Prints one line with a single write: {@code printf} writes each piece of its format separately (System.out
     * flushes every write), so the lines Spark logs to the same console from other threads could land inside it.
     */
    private static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    private static int iterations(Model net) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getIterationCount()
                : ((ComputationGraph) net).getIterationCount();
    }

    /**
     * @param args the command line (--help lists it)
     * @return what the run did
     * @throws CommandLine.ParameterException on a usage error
     * @throws Exception if the run fails
     */
    public static Summary run(String... args) throws Exception {
        SparkTrain app = new SparkTrain();
        new CommandLine(app).parseArgs(args);
        return app.call();
    }

    /**
     * @param args the command line (--help lists it)
     */
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SparkTrain());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                commandLine.getErr().println(e.getMessage());
                return 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }
}
