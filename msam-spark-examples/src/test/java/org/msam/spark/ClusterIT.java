package org.msam.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.msam.spark.Fixtures.maxAbsDiff;
import static org.msam.spark.Fixtures.measured;
import static org.msam.spark.Fixtures.state;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.msam.dl4j.SharpnessAware;
import org.msam.spark.Fixtures.Copy;
import org.msam.spark.examples.Cifar10Files;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SharpnessAwareSpark on a Spark standalone cluster of separate JVMs on 127.0.0.1 ({@link LoopbackCluster}): a
 * master, two workers of one core each, executors launched by the workers from a Spark home of jars only, the
 * application shipped as one jar with {@code spark-submit} (msam-spark-examples' {@code -app.jar}), ND4J's natives
 * loaded from it in every executor, the Java 17 opens passed to every JVM. In order: the example application on tiny
 * CIFAR-10 files; the training jobs of {@link ClusterJob} against the same jobs in local[2] mode and the per-worker
 * reference; a worker killed during a round. Every process the test starts is killed at the end, also on failure.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ClusterIT {
    private static final double TOL = 1e-9;
    private static final Duration JOB = Duration.ofMinutes(5);

    private static Path dir;
    private static LoopbackCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        dir = Paths.get(System.getProperty("msam.it.dir", "target/cluster-it")).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        cluster = new LoopbackCluster(Paths.get(System.getProperty("msam.spark.home")),
                System.getProperty("msam.spark.opens"), dir, 2, Duration.ofMinutes(2));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
            assertEquals(List.of(), cluster.alive(), "processes left running");
        }
    }

    /** spark-submit's arguments up to the application jar, as the README gives them. */
    private static List<String> submitArgs(String mainClass, String jars) {
        String opens = System.getProperty("msam.spark.opens").trim();
        List<String> args = new ArrayList<>(Arrays.asList(
                "--master", cluster.masterUrl(),
                "--deploy-mode", "client",
                "--driver-java-options", opens,
                "--conf", "spark.executor.extraJavaOptions=" + opens,
                "--conf", "spark.executor.memory=768m",
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--class", mainClass));
        if (jars != null) {
            args.add("--jars");
            args.add(jars);
        }
        args.add(appJar().toString());
        return args;
    }

    private static Path appJar() {
        Path jar = Paths.get(System.getProperty("msam.app.jar"));
        assertTrue(Files.isRegularFile(jar), "no application jar " + jar + ": run mvn verify, which packages it first");
        return jar;
    }

    /** Writes {@code records} random CIFAR-10 binary records (labels 0-9, pixels 0-255). */
    private static void cifarFile(Path file, int records, long seed) throws IOException {
        byte[] b = new byte[records * Cifar10Files.RECORD];
        Random r = new Random(seed);
        r.nextBytes(b);
        for (int i = 0; i < records; i++) {
            b[i * Cifar10Files.RECORD] = (byte) r.nextInt(Cifar10Files.CLASSES);
        }
        Files.write(file, b);
    }

    private static String describe(LoopbackCluster.Submitted s) {
        return "exit " + s.exit + ", output:\n" + s.output;
    }

    @Test
    @Order(1)
    void theExampleTrainsWithSparkSubmit() throws Exception {
        Path data = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
        for (int f = 1; f <= 5; f++) {
            cifarFile(data.resolve("data_batch_" + f + ".bin"), 20, f);
        }
        cifarFile(data.resolve("test_batch.bin"), 70, 6);
        Path model = dir.resolve("spark-train.zip");
        List<String> args = submitArgs("org.msam.spark.examples.SparkTrain", null);
        args.addAll(Arrays.asList("--data", data.toString(), "--limit", "64", "--batch", "8", "--epochs", "2",
                "--output", model.toString()));
        System.out.println("spark-submit " + String.join(" ", args));
        LoopbackCluster.Submitted s = cluster.submit("spark-train", args, JOB);
        assertEquals(Integer.valueOf(0), s.exit, describe(s));
        String ours = s.output.lines().filter(l -> l.startsWith("cnn") || l.startsWith("epoch")
                || l.startsWith("test") || l.startsWith("per round") || l.startsWith("wrote"))
                .collect(Collectors.joining("\n"));
        System.out.println(ours);
        assertTrue(ours.contains("cnn, msam, 136874 parameters; 2 workers, mini-batches of 8, 64 training "
                + "examples (" + cluster.masterUrl() + ")"), ours + "\n\nwhole output:\n" + s.output);
        assertTrue(ours.contains("\nepoch 1: 4 iterations, score ")
                && ours.contains("\nepoch 2: 8 iterations, score "), ours + "\n\nwhole output:\n" + s.output);
        assertTrue(ours.contains("\ntest accuracy ") && ours.contains(" (64 examples)\n"), ours);
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), true);
        assertEquals(8, net.getIterationCount());
        assertFalse(SharpnessAware.isPerturbed(net), "the written network holds θ");
    }

    /**
     * Without the opens on the executors, Spark 3.1's executors die at start on Java 17 ("module java.base does not
     * opens java.nio"), the workers launch new ones without end, and the driver waits for resources forever
     * (observed: 82 executors launched and failed in the 5 minutes until the time bound stopped the job). The
     * example refuses to start instead, naming the missing opens and the option to add.
     */
    @Test
    @Order(2)
    void withoutTheExecutorsOpensTheExampleStopsAndNamesThem() throws Exception {
        List<String> args = submitArgs("org.msam.spark.examples.SparkTrain", null);
        int at = args.indexOf("spark.executor.extraJavaOptions=" + System.getProperty("msam.spark.opens").trim());
        args.remove(at);
        args.remove(at - 1);
        Path data = Files.createDirectories(dir.resolve("cifar-10-no-opens"));
        cifarFile(data.resolve("data_batch_1.bin"), 16, 5);
        cifarFile(data.resolve("test_batch.bin"), 16, 6);
        args.addAll(Arrays.asList("--data", data.toString(), "--train-files", "data_batch_1.bin"));
        LoopbackCluster.Submitted s = cluster.submit("no-opens", args, JOB);
        assertEquals(Integer.valueOf(1), s.exit, describe(s));
        assertTrue(s.output.contains("Spark 3.1's executors on Java 17 die at start without --add-opens for "
                + "[java.lang, java.lang.invoke") && s.output.contains("--conf \"spark.executor.extraJavaOptions="
                + "--add-opens=java.base/java.lang=ALL-UNNAMED"), s.output);
    }

    private static String testJars() {
        Path fixtures = location(Fixtures.class);
        Path job = location(ClusterJob.class);
        return LoopbackCluster.jarOf(fixtures, dir.resolve("msam-spark-tests.jar")) + ","
                + LoopbackCluster.jarOf(job, dir.resolve("msam-spark-examples-tests.jar"));
    }

    private static Path location(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(3)
    void theClusterEqualsLocalModeAndThePerWorkerReference() throws Exception {
        File clusterDir = dir.resolve("cluster").toFile();
        List<String> args = submitArgs("org.msam.spark.ClusterJob", testJars());
        args.add(clusterDir.toString());
        args.addAll(ClusterJob.COMPARED);
        LoopbackCluster.Submitted s = cluster.submit("cluster-job", args, JOB);
        assertEquals(Integer.valueOf(0), s.exit, describe(s));

        File localDir = dir.resolve("local").toFile();
        for (String run : ClusterJob.COMPARED) {
            ClusterJob.train(Fixtures.spark(), run, localDir);
        }
        for (String run : ClusterJob.COMPARED) {
            MultiLayerConfiguration conf = Fixtures.mlp(ClusterJob.updater(run));
            MultiLayerNetwork onCluster = result(clusterDir, run);
            MultiLayerNetwork local = result(localDir, run);
            INDArray initial = Nd4j.readBinary(new File(new File(clusterDir, run), "initial.bin"));
            assertEquals(0.0, maxAbsDiff(initial, Nd4j.readBinary(new File(new File(localDir, run), "initial.bin"))));
            assertEquals(6, onCluster.getIterationCount(), run);
            assertFalse(SharpnessAware.isPerturbed(onCluster), run + ": the result holds θ");
            assertTrue(maxAbsDiff(initial, onCluster.params()) > 1e-2, run + ": training moved the weights");
            assertTrue(measured(run + ", cluster vs local[2], θ", maxAbsDiff(local.params(), onCluster.params()))
                    <= TOL);
            assertTrue(measured(run + ", cluster vs local[2], state", maxAbsDiff(state(local), state(onCluster)))
                    <= TOL);

            List<List<Copy>> rounds = recordedRounds(new File(new File(clusterDir, run), "records"), 6);
            // every rule derives what it needs from the averages at its next step: nothing to re-derive by hand
            MultiLayerNetwork ref = Fixtures.perWorkerReference(conf, initial, rounds, avg -> { });
            assertTrue(measured(run + ", cluster vs per-worker reference, θ", maxAbsDiff(ref.params(),
                    onCluster.params())) <= TOL);
            assertTrue(measured(run + ", cluster vs per-worker reference, state", maxAbsDiff(state(ref),
                    state(onCluster))) <= TOL);
        }
    }

    /**
     * Worker 1's JVM and its executor killed at once (SIGKILL, as a lost machine) while the executor is inside a
     * worker's mini-batch (the job's workers pause a second after recording theirs; the kill follows the record of
     * round 2 or later from that executor's process). Observed with Spark 3.1.2 and dl4j-spark 1.0.0-M2, and asserted:
     * the driver loses the executor and its running task ({@code ExecutorLostFailure}), the scheduler runs the task
     * again on worker 0's executor from the same broadcast and partition, the job completes, and the result equals
     * the same job in local[2] mode to the last bit: the killed copy's mini-batch is trained again by the retry (the
     * round has three recorded copies, two of them on the same mini-batch). The remaining rounds run both workers'
     * partitions on the one executor, one after the other.
     */
    @Test
    @Order(4)
    void aWorkerKilledDuringARoundIsRetriedOnTheOtherWorker() throws Exception {
        File clusterDir = dir.resolve("killed").toFile();
        File records = new File(new File(clusterDir, ClusterJob.LONG), "records");
        List<String> args = submitArgs("org.msam.spark.ClusterJob", testJars());
        args.add(clusterDir.toString());
        args.add(ClusterJob.LONG);
        Process submit = cluster.startSubmit("killed-job", args);
        long deadline = System.nanoTime() + JOB.toNanos();
        int killedAt = -1;
        while (killedAt < 0 && submit.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            List<String> pids = cluster.executors(1).stream().map(h -> String.valueOf(h.pid()))
                    .collect(Collectors.toList());
            String[] names = records.list();
            if (names != null) {
                for (String n : names) {
                    String[] p = n.split("_");
                    if (n.endsWith(".batch") && Integer.parseInt(p[0]) >= 2 && pids.contains(p[2])) {
                        killedAt = Integer.parseInt(p[0]);
                    }
                }
            }
            if (killedAt >= 0) {
                System.out.println("killing worker 1 and its executor " + pids + " in round " + killedAt);
                cluster.killWorker(1);
            }
        }
        assertTrue(killedAt >= 2, "worker 1's executor recorded no round from 2 on");
        LoopbackCluster.Submitted s = cluster.waitFor("killed-job", submit, JOB);
        System.out.println("after the kill: " + s.output.lines().filter(l -> l.contains("WARN") || l.contains(
                "ERROR") || l.startsWith("trained")).collect(Collectors.joining("\n")));
        assertEquals(Integer.valueOf(0), s.exit, describe(s));
        assertTrue(s.output.contains("Lost executor") && s.output.contains("ExecutorLostFailure"), s.output);

        File localDir = dir.resolve("killed-local").toFile();
        ClusterJob.train(Fixtures.spark(), ClusterJob.LONG, localDir);
        MultiLayerNetwork onCluster = result(clusterDir, ClusterJob.LONG);
        MultiLayerNetwork local = result(localDir, ClusterJob.LONG);
        assertEquals(ClusterJob.batches(ClusterJob.LONG) / 2, onCluster.getIterationCount());
        assertTrue(measured("worker killed in round " + killedAt + ", cluster vs local[2], θ",
                maxAbsDiff(local.params(), onCluster.params())) <= TOL);
        assertTrue(measured("worker killed, cluster vs local[2], state", maxAbsDiff(state(local),
                state(onCluster))) <= TOL);

        final int round = killedAt;
        File[] killedRound = records.listFiles((d, n) -> n.startsWith(round + "_") && n.endsWith(".batch"));
        assertNotNull(killedRound);
        assertEquals(3, killedRound.length, "copies recorded in round " + round);
        List<Double> sums = new ArrayList<>();
        for (File f : killedRound) {
            DataSet d = new DataSet();
            d.load(f);
            sums.add(d.getFeatures().sumNumber().doubleValue());
        }
        assertEquals(2, sums.stream().distinct().count(), "two of the three copies trained the same mini-batch");
    }

    /**
     * Not in the default run ({@code -Dmsam.spark.measure=true}): what a round of WRN-16-1 costs on the cluster
     * (SparkTrain's bytes per round, 256 random CIFAR-10 records, mini-batches of 32, one epoch), the executors' start
     * (fetching the application jar, loading ND4J's natives; from their logs). The README's "Spark" section reports
     * a run.
     */
    @Test
    @Order(5)
    @EnabledIfSystemProperty(named = "msam.spark.measure", matches = "true")
    void measureWrn16x1() throws Exception {
        Path data = Files.createDirectories(dir.resolve("cifar-10-measure"));
        cifarFile(data.resolve("data_batch_1.bin"), 256, 3);
        cifarFile(data.resolve("test_batch.bin"), 64, 4);
        List<String> args = submitArgs("org.msam.spark.examples.SparkTrain", null);
        args.addAll(Arrays.asList("--data", data.toString(), "--train-files", "data_batch_1.bin", "--batch", "32",
                "--model", "wrn16-1"));
        LoopbackCluster.Submitted s = cluster.submit("measure-wrn", args, JOB);
        System.out.println(s.output.lines().filter(l -> l.startsWith("wrn") || l.startsWith("epoch")
                || l.startsWith("test") || l.startsWith("per round")).collect(Collectors.joining("\n")));
        assertEquals(Integer.valueOf(0), s.exit, describe(s));
        try (Stream<Path> logs = Files.walk(dir)) {
            for (Path log : (Iterable<Path>) logs.filter(p -> p.getFileName().toString().equals("stderr"))::iterator) {
                System.out.println(log + ":\n" + Files.readAllLines(log).stream().filter(l -> l.contains(
                        "Started daemon") || l.contains("Fetching spark") || l.contains("Copying") || l.contains(
                        "Loaded [CpuBackend]") || l.contains("Running task 0.0 in stage 0.0") || l.contains(
                        "Blas vendor")).collect(Collectors.joining("\n")));
            }
        }
    }

    private static MultiLayerNetwork result(File dir, String run) throws IOException {
        return ModelSerializer.restoreMultiLayerNetwork(new File(new File(dir, run), "result.zip"), true);
    }

    /**
     * The copies the {@link FileRecordingHook} recorded, by round in iteration order, each round's copies ordered by
     * their first mini-batch (as {@link Fixtures#rounds}); checks {@code count} rounds of two copies of one
     * mini-batch of {@link Fixtures#BATCH} examples each, round r at iteration r.
     */
    private static List<List<Copy>> recordedRounds(File records, int count) {
        Map<String, Copy> copies = new TreeMap<>();
        Map<String, Map<Integer, DataSet>> batches = new TreeMap<>();
        File[] files = records.listFiles((d, n) -> n.endsWith(".batch"));
        assertNotNull(files, "no records in " + records);
        for (File f : files) {
            String[] p = f.getName().substring(0, f.getName().length() - ".batch".length()).split("_");
            String id = p[3];
            copies.computeIfAbsent(id, k -> new Copy(Integer.parseInt(p[0]), Integer.parseInt(p[1])));
            DataSet d = new DataSet();
            d.load(f);
            batches.computeIfAbsent(id, k -> new TreeMap<>()).put(Integer.parseInt(p[4]), d);
        }
        Map<Integer, List<Copy>> byIteration = new TreeMap<>();
        for (Map.Entry<String, Copy> e : copies.entrySet()) {
            e.getValue().batches.addAll(batches.get(e.getKey()).values());
            byIteration.computeIfAbsent(e.getValue().iteration, k -> new ArrayList<>()).add(e.getValue());
        }
        List<List<Copy>> rounds = new ArrayList<>(byIteration.values());
        assertEquals(count, rounds.size(), "rounds recorded: " + byIteration.keySet());
        for (int r = 0; r < count; r++) {
            List<Copy> round = rounds.get(r);
            assertEquals(r, round.get(0).iteration);
            assertEquals(Fixtures.WORKERS, round.size(), "copies in round " + r);
            for (Copy c : round) {
                assertEquals(1, c.batches.size(), "mini-batches of a copy in round " + r);
                assertEquals(Fixtures.BATCH, c.batches.get(0).numExamples());
            }
            round.sort(Comparator.comparingDouble(c -> c.batches.get(0).getFeatures().sumNumber().doubleValue()));
        }
        return rounds;
    }
}
