/**
 * SAM and MSAM training of DL4J {@code MultiLayerNetwork} and {@code ComputationGraph}: the listeners that
 * pair with the {@link org.msam.config.Sam} and {@link org.msam.config.Msam} updaters, installed with
 * {@link org.msam.dl4j.SharpnessAware#install}, and {@link org.msam.dl4j.DecoupledWeightDecay} for plain AdamW.
 * {@link org.msam.dl4j.Accumulation} makes the driver step once per k mini-batches (gradient accumulation), for every
 * rule and for the base optimizers alone.
 *
 * <p>θ are the true weights, θ̃ the perturbed weights MSAM keeps in the network during an epoch. The user's
 * listeners, evaluation after {@code fit(iterator)}, checkpoints and early stopping see θ.
 */
package org.msam.dl4j;
