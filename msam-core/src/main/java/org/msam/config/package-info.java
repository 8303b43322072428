/**
 * Updater configurations ({@link org.nd4j.linalg.learning.config.IUpdater}) that are stored in a
 * DL4J or SameDiff model's JSON: the base optimizers {@link org.msam.config.SgdMomentum} and
 * {@link org.msam.config.AdamW}, and one configuration per sharpness-aware rule family
 * ({@link org.msam.config.Sam}, {@link org.msam.config.Msam}, {@link org.msam.config.LookSam},
 * {@link org.msam.config.Esam}, {@link org.msam.config.Mesa}). Every rule built from them is described once in the
 * registry {@link org.msam.rules.Rules}, which lists them all with their hyperparameters.
 *
 * <p>Conventions used throughout the library:
 * <ul>
 *   <li>An updater turns the gradient into an update {@code u} in place and DL4J applies
 *       {@code params -= u}.</li>
 *   <li>θ are the true weights; θ̃ are the weights the network holds while training with a
 *       perturbation (SAM and the rules taking SAM steps during their second pass, MSAM during its
 *       step's pass): θ̃ = θ − c·v for MSAM.
 *       Evaluation, checkpoints and the end of training use θ.</li>
 *   <li>‖x‖ is the global L2 norm over every trainable parameter of the model together.</li>
 *   <li>Configurations are immutable except for the learning rate (DL4J's
 *       {@code setLrAndSchedule} contract), validated when built, and implement
 *       {@code equals/hashCode} so that DL4J keeps layers with equal configurations in one
 *       updater block.</li>
 * </ul>
 */
package org.msam.config;
