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
 *
 * <p>Convolutions, batch normalisations and ReLU layers are {@link org.msam.examples.models.OpConvolutionLayer},
 * {@link org.msam.examples.models.OpBatchNormalization} and an {@code ActivationLayer} with
 * {@link org.msam.examples.models.ReluActivation} by default: DL4J's layers, the convolutions computed by libnd4j's
 * {@code conv2d} ops (oneDNN with the oneDNN build of nd4j-native, which the examples' POM adds on Linux x86-64)
 * rather than by DL4J's im2col + GEMM, the batch normalisations by {@link org.msam.examples.models.BatchNormKernel}
 * and the ReLU gradient in one Java pass. {@link org.msam.examples.models.ModelBuilder#nativeOps(boolean)
 * nativeOps(false)} builds DL4J's own layers; both load each other's parameters. The ViT's patch embedding is already
 * one matrix product (a reshape of the image, no im2col).
 */
package org.msam.examples.models;
