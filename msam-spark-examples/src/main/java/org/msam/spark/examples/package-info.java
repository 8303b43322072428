/**
 * An application for {@code spark-submit}: {@link org.msam.spark.examples.SparkTrain} trains a small network on
 * CIFAR-10 binary files, which every executor reads itself, with MSAM through
 * {@link org.msam.spark.SharpnessAwareSpark#parameterAveraging(Integer, int)}.
 */
package org.msam.spark.examples;
