package org.msam.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The defaults every benchmark of this module shares: average time per operation in milliseconds,
 * {@value #WARMUP_ITERATIONS} warm-up and {@value #MEASUREMENT_ITERATIONS} measurement iterations of
 * {@value #ITERATION_SECONDS} s, {@value #FORKS} forks, and a forked JVM sized for ND4J's off-heap arrays
 * (a WRN-28-10-sized AdamW step holds about 1 GB off-heap), without JavaCPP's check of the resident memory at every
 * native allocation (as the examples' command line, see {@code NativeBuild.skipPhysicalMemoryCheck}). ND4J's CPU
 * backend uses every core; run
 * nothing else meanwhile.
 *
 * <p>Command-line options override these ({@code -f}, {@code -wi}, {@code -i}, {@code -w}, {@code -r},
 * {@code -p name=v1,v2}); every benchmark class gives its own run command.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = AbstractBenchmark.WARMUP_ITERATIONS, time = AbstractBenchmark.ITERATION_SECONDS)
@Measurement(iterations = AbstractBenchmark.MEASUREMENT_ITERATIONS, time = AbstractBenchmark.ITERATION_SECONDS)
@Fork(value = AbstractBenchmark.FORKS, jvmArgsAppend = {"-Xms1g", "-Xmx2g",
    "-Dorg.bytedeco.javacpp.maxbytes=6G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public abstract class AbstractBenchmark {
    /** Warm-up iterations: {@value}. */
    public static final int WARMUP_ITERATIONS = 3;
    /** Measurement iterations: {@value}. */
    public static final int MEASUREMENT_ITERATIONS = 5;
    /** Seconds per iteration (at least one operation runs): {@value}. */
    public static final int ITERATION_SECONDS = 2;
    /** Forks (fresh JVMs) per parameter combination: {@value}. */
    public static final int FORKS = 2;
}
