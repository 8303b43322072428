/**
 * Updater configurations ({@link org.nd4j.linalg.learning.config.IUpdater}) that are stored in a
 * DL4J or SameDiff model's JSON: {@link org.msam.config.SgdMomentum}, {@link org.msam.config.AdamW},
 * {@link org.msam.config.Sam} and {@link org.msam.config.Msam}.
 *
 * <p>Conventions used throughout the library:
 * <ul>
 *   <li>An updater turns the gradient into an update {@code u} in place and DL4J applies
 *       {@code params -= u}.</li>
 *   <li>θ are the true weights; θ̃ are the weights the network holds while training with a
 *       perturbation (SAM during its second pass, MSAM always): θ̃ = θ − c·v for MSAM.
 *       Evaluation, checkpoints and the end of training use θ.</li>
 *   <li>‖x‖ is the global L2 norm over every trainable parameter of the model together.</li>
 *   <li>Configurations are immutable except for the learning rate (DL4J's
 *       {@code setLrAndSchedule} contract), validated when built, and implement
 *       {@code equals/hashCode} so that DL4J keeps layers with equal configurations in one
 *       updater block.</li>
 * </ul>
 */
package org.msam.config;
