/**
 * SAM, MSAM and the library's base optimizers on Apache Spark through dl4j-spark: {@link
 * org.msam.spark.SharpnessAwareSpark} makes a parameter-averaging training master whose workers return the true
 * weights θ (never MSAM's perturbed θ̃) and whose averaging takes θ and the optimizer state, then re-derives MSAM's
 * perturbation from the averaged momentum (docs/ALGORITHMS.md, "Data-parallel training"). Sign convention as in
 * org.msam.dl4j: DL4J applies θ ← θ − u.
 */
package org.msam.spark;
