package org.msam.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Spark standalone cluster of separate JVMs on 127.0.0.1: one {@code Master}, workers ({@code Worker}, one core
 * each) that launch executors from a Spark home ({@code jars/} only, msam-spark-home), and {@code SparkSubmit}
 * processes in client mode. Every JVM gets the Java 17 opens; every process it starts, and every process those
 * start (the executors), is killed by {@link #close()}, also from a shutdown hook if the test JVM exits first.
 * Output of each process goes to a log file under the directory given; the executors' logs are in the workers' work
 * directories ({@code work-<w>/<app>/<executor>/stderr}).
 */
final class LoopbackCluster implements AutoCloseable {
    static final String HOST = "127.0.0.1";

    private final Path sparkHome;
    private final List<String> opens;
    private final Path dir;
    private final int masterPort;
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private final List<ProcessHandle> seen = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> workers = new ArrayList<>();
    private final Thread hook = new Thread(this::killAll, "loopback-cluster-stop");

    /**
     * Starts the master and {@code workerCount} workers and waits until all workers are registered.
     *
     * @param sparkHome   a directory with Spark's jars in {@code jars/}
     * @param opens       the JVM options every Spark JVM needs on Java 17
     * @param dir         where logs and work directories go
     * @param workerCount the number of workers
     * @param timeout     for the whole start
     */
    LoopbackCluster(Path sparkHome, String opens, Path dir, int workerCount, Duration timeout)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(sparkHome.resolve("jars"))) {
            throw new IllegalStateException("No Spark home at " + sparkHome + ": build msam-spark-home first "
                    + "(mvn -B -pl msam-spark-examples -am verify)");
        }
        this.sparkHome = sparkHome;
        this.opens = Arrays.asList(opens.trim().split("\\s+"));
        this.dir = Files.createDirectories(dir);
        Runtime.getRuntime().addShutdownHook(hook);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            masterPort = freePort();
            Path masterLog = dir.resolve("master.log");
            start(masterLog, "-Xmx256m", "org.apache.spark.deploy.master.Master", "--host", HOST, "--port",
                    String.valueOf(masterPort), "--webui-port", "0");
            await(masterLog, "I have been elected leader", deadline);
            for (int w = 0; w < workerCount; w++) {
                Path log = dir.resolve("worker-" + w + ".log");
                Path work = Files.createDirectories(dir.resolve("work-" + w));
                workers.add(start(log, "-Xmx256m", "org.apache.spark.deploy.worker.Worker", "--host", HOST,
                        "--webui-port", "0", "--cores", "1", "--memory", "1536m", "--work-dir", work.toString(),
                        masterUrl()));
                await(log, "Successfully registered with master", deadline);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** @return spark://127.0.0.1:port */
    String masterUrl() {
        return "spark://" + HOST + ":" + masterPort;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private Process start(Path log, String heap, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(heap);
        cmd.addAll(opens);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + File.separator + "*");
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SPARK_"));
        env.put("SPARK_HOME", sparkHome.toString());
        // Spark's launcher looks for a build directory to learn the Scala version unless it is given.
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", HOST);
        Files.write(log.resolveSibling(log.getFileName() + ".cmd"), String.join(" ", cmd).getBytes(
                StandardCharsets.UTF_8));
        Process p = pb.start();
        processes.add(p);
        seen.add(p.toHandle());
        return p;
    }

    private static void await(Path log, String line, long deadline) throws IOException, InterruptedException {
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && new String(Files.readAllBytes(log), StandardCharsets.UTF_8).contains(line)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("No \"" + line + "\" in " + log + " in time");
    }

    /** The result of a {@code spark-submit}: its exit status (null: killed at the time bound) and its output. */
    static final class Submitted {
        final Integer exit;
        final String output;

        Submitted(Integer exit, String output) {
            this.exit = exit;
            this.output = output;
        }
    }

    /**
     * Runs {@code SparkSubmit} with {@code args} (what follows {@code spark-submit} on the command line) in its own
     * JVM, the driver in it (client mode), and waits for it.
     *
     * @param name    the log's name
     * @param args    spark-submit's arguments
     * @param timeout killed after this
     * @return its exit status and output
     */
    Submitted submit(String name, List<String> args, Duration timeout) throws IOException, InterruptedException {
        Process p = startSubmit(name, args);
        return waitFor(name, p, timeout);
    }

    /** Starts {@code SparkSubmit} as {@link #submit} does, without waiting. */
    Process startSubmit(String name, List<String> args) throws IOException {
        return start(dir.resolve(name + ".log"), "-Xmx1g", "org.apache.spark.deploy.SparkSubmit",
                args.toArray(new String[0]));
    }

    /** Waits for a process from {@link #startSubmit}, killing it and its children at the time bound. */
    Submitted waitFor(String name, Process p, Duration timeout) throws IOException, InterruptedException {
        Integer exit = null;
        if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            exit = p.exitValue();
        } else {
            kill(p.toHandle());
        }
        return new Submitted(exit, new String(Files.readAllBytes(dir.resolve(name + ".log")),
                StandardCharsets.UTF_8));
    }

    /** @return the live executor JVMs of worker {@code w} (its child processes) */
    List<ProcessHandle> executors(int w) {
        return workers.get(w).descendants().collect(Collectors.toList());
    }

    /** Kills worker {@code w} and its executors at once (SIGKILL), as a lost machine. */
    void killWorker(int w) {
        kill(workers.get(w).toHandle());
    }

    private void kill(ProcessHandle p) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(p);
        tree.addAll(p.descendants().collect(Collectors.toList()));
        seen.addAll(tree);
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("process " + h.pid() + " did not exit", e);
            }
        }
    }

    private void killAll() {
        List<ProcessHandle> all;
        synchronized (processes) {
            for (Process p : processes) {
                seen.addAll(p.descendants().collect(Collectors.toList()));
            }
        }
        synchronized (seen) {
            all = new ArrayList<>(seen);
        }
        Collections.reverse(all);
        for (ProcessHandle p : all) {
            kill(p);
        }
    }

    /** @return the processes this cluster started, and their children, that are still alive */
    List<ProcessHandle> alive() {
        synchronized (seen) {
            return seen.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList());
        }
    }

    @Override
    public void close() {
        killAll();
        // the copies of the application jars the workers made for their executors (logs stay)
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jar")
                    && f.toString().contains(File.separator + "work-"))::iterator) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs
        }
    }

    /** @return a jar of a class directory (the test classes when the reactor hands them over unpackaged) */
    static Path jarOf(Path location, Path out) {
        if (Files.isRegularFile(location)) {
            return location;
        }
        try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(Files.newOutputStream(out));
             java.util.stream.Stream<Path> files = Files.walk(location)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new java.util.jar.JarEntry(location.relativize(f).toString().replace('\\', '/')));
                jar.write(Files.readAllBytes(f));
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
