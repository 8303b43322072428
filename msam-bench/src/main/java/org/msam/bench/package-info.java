/**
 * JMH benchmarks of the optimizers: {@link org.msam.bench.OptimizerStepBenchmark} (one update of a model's
 * worth of parameters), {@link org.msam.bench.TrainingIterationBenchmark} (one {@code fit} on a mini-batch),
 * {@link org.msam.bench.Nd4jOpBenchmark} (the single ND4J operations the steps are made of),
 * {@link org.msam.bench.MemoryReport} (optimizer memory) and {@link org.msam.bench.Report} (JMH JSON to
 * Markdown, with the ratios to the baselines and the speed targets).
 *
 * <p>Conventions: float32 throughout; DL4J's sign convention {@code params -= update}; the MSAM step benchmarks
 * move the parameters to θ̃ before each update and land on θ, as the network driver does in training. Build the runnable jar with
 * {@code mvn -B package -pl msam-bench -am -DskipTests}; each class's javadoc gives its command.
 */
package org.msam.bench;
