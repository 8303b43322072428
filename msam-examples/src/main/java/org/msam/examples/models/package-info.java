/**
 * Example models as DL4J {@link org.deeplearning4j.nn.conf.ComputationGraphConfiguration}s: wide ResNets and
 * ResNets for CIFAR, ResNets for ImageNet, a small CNN for quick CPU runs, and Vision Transformers
 * ({@link org.msam.examples.models.VisionTransformer}) built from the DL4J SameDiff layers of this package
 * (patch and position embeddings, LayerNorm, multi-head self-attention, GELU MLP, token pooling).
 *
 * <p>Every model is a {@link org.msam.examples.models.ModelBuilder} with the same options (classes, input shape,
 * seed, weight initialisation, updater, L2, data type) and is also reachable by name through
 * {@link org.msam.examples.models.Models}. Each model's javadoc gives its architecture, its reference and its
 * exact parameter counts, which the tests check. "Trainable" parameters exclude batch-normalisation running
 * statistics, which DL4J keeps in the flat parameter vector ({@link org.msam.examples.models.ParameterCount}).
 */
package org.msam.examples.models;
