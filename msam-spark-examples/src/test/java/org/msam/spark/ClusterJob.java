package org.msam.spark;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.util.ModelSerializer;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The training jobs of {@link ClusterIT}, submitted to the cluster with {@code spark-submit} and run in local[2]
 * mode in the test JVM: msam-spark's MLP in double precision ({@link Fixtures#mlp}) trained by
 * {@link SharpnessAwareSpark#parameterAveraging(Integer, int)} with 2 workers, mini-batches of 4, averaging frequency
 * 1, on mini-batches generated on the driver; every worker's mini-batches recorded by a {@link FileRecordingHook}.
 * Each run writes to {@code dir/<run>/}: {@code initial.bin} (θ before training), {@code result.zip} (the network
 * with its updater state) and {@code records/}.
 */
public final class ClusterJob {
    /** The runs that are compared: MSAM over SgdMomentum, SAM over SgdMomentum, MSAM over AdamW. */
    static final List<String> COMPARED = Arrays.asList("msam", "sam", "msam-adamw");
    /** A run whose workers take a second per mini-batch, for the worker that is killed during a round. */
    static final String LONG = "msam-long";

    private ClusterJob() {
    }

    static IUpdater updater(String run) {
        switch (run) {
            case "msam":
            case LONG:
                return Fixtures.msam();
            case "sam":
                return Sam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(0.1)
                        .build();
            case "msam-adamw":
                return Msam.builder().base(AdamW.builder().learningRate(0.01).weightDecay(1e-2).build())
                        .rho(Fixtures.RHO).build();
            default:
                throw new IllegalArgumentException("no run " + run);
        }
    }

    /** @return the number of mini-batches of the run's RDD (two per round) */
    static int batches(String run) {
        return LONG.equals(run) ? 16 : 12;
    }

    /** Trains {@code run} on {@code sc} and writes its files under {@code dir/run}. */
    static void train(JavaSparkContext sc, String run, File dir) throws IOException {
        File out = new File(dir, run);
        File records = new File(out, "records");
        Files.createDirectories(records.toPath());
        MultiLayerConfiguration conf = Fixtures.mlp(updater(run));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.saveBinary(net.params(), new File(out, "initial.bin"));
        long seed = 7 + COMPARED.indexOf(run);
        TrainingMaster<?, ?> tm = SharpnessAwareSpark.parameterAveraging(Fixtures.WORKERS, Fixtures.BATCH)
                .batchSizePerWorker(Fixtures.BATCH).averagingFrequency(1).workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(seed)
                .trainingHooks(new FileRecordingHook(records, LONG.equals(run) ? 1000 : 0)).build();
        new SparkDl4jMultiLayer(sc, net, tm).fit(sc.parallelize(Fixtures.batches(batches(run), Fixtures.BATCH,
                100 + seed), Fixtures.WORKERS));
        ModelSerializer.writeModel(net, new File(out, "result.zip"), true);
    }

    /**
     * @param args the output directory, then the runs ({@link #COMPARED} and/or {@link #LONG})
     */
    public static void main(String[] args) throws IOException {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("msam-spark-cluster-test"));
        try {
            for (int i = 1; i < args.length; i++) {
                train(sc, args[i], new File(args[0]));
                System.out.println("trained " + args[i]);
            }
        } finally {
            sc.stop();
        }
    }
}
