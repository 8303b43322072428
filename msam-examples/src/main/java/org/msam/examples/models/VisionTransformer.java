package org.msam.examples.models;

import org.deeplearning4j.nn.weights.WeightInit;

/**
 * Vision Transformer (ViT) with global average pooling, as a DL4J {@code ComputationGraph} of SameDiff layers.
 *
 * <p>References: A. Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for Image Recognition at
 * Scale", ICLR 2021 (<a href="https://arxiv.org/abs/2010.11929">arXiv:2010.11929</a>); L. Beyer, X. Zhai and
 * A. Kolesnikov, "Better plain ViT baselines for ImageNet-1k", 2022
 * (<a href="https://arxiv.org/abs/2205.01580">arXiv:2205.01580</a>), whose recipe the MSAM paper's ViT experiments
 * follow: no class token, global average pooling of the tokens, no dropout.
 *
 * <p>Architecture, for width D, depth L, h heads, MLP width M and patch side p:
 * <pre>
 *   patch_embed   {@link PatchEmbedding}: p×p patches -> D                  [mb, T, D], T = (H/p)·(W/p)
 *   pos_embed     {@link PositionEmbedding}: + learnable [T, D]
 *   L × block:    x = x + {@link MultiHeadSelfAttention}(LN(x))             pre-norm, h heads of width D/h
 *                 x = x + {@link TransformerMlp}(LN(x))                     D -> M -> D, GELU (erf)
 *   norm          {@link LayerNormalization} of every token
 *   pool          {@link TokenAveragePooling}: mean over the T tokens      [mb, D]
 *   output        dense(classes) - softmax, multi-class cross-entropy
 * </pre>
 * LN is {@link LayerNormalization} with ε = 1e-6. Tokens travel in DL4J's recurrent NWC layout
 * {@code [minibatch, tokens, features]}; residual sums are {@code ElementWiseVertex(Add)}. The six layer classes are
 * DL4J SameDiff layers usable in any graph; their gradients are checked with DL4J's {@code GradientCheckUtil}, and
 * they run on a layer runtime that corrects the doubled gradients of DL4J 1.0.0-M2.1's SameDiff layers (without
 * it every SameDiff layer would pass twice its incoming gradient down, compounding over the depth). The final norm acts on the
 * tokens before pooling, as in big_vision's ViT; timm with {@code global_pool='avg'} pools first and normalises
 * the mean ({@code fc_norm}), with the same parameters. Differences from the paper's recipe: the position
 * embedding is learned (the original ViT; "Better plain ViT baselines" uses a fixed 2-D sin-cos embedding, which
 * would remove T·D parameters), and the head is initialised like any dense layer (big_vision zero-initialises it).
 *
 * <p>Vertex names: {@code patch_embed}, {@code pos_embed}, {@code block<i>_norm1}, {@code block<i>_attn},
 * {@code block<i>_add1}, {@code block<i>_norm2}, {@code block<i>_mlp}, {@code block<i>_add2} (i = 0 … L−1),
 * {@code norm}, {@code pool}, {@code output}.
 *
 * <p>Weights and weight decay. Every parameter lives in the network's flat parameter vector (SameDiff layers
 * included), so SAM and MSAM perturb all of them and their global norms cover all of them. DL4J's notion of a weight
 * ({@code ParamInitializer.isWeightParam}), which the global {@code l2} and AdamW's
 * {@link org.msam.config.DecayScope#WEIGHTS_ONLY} decay act on, covers exactly the matrices: {@code W} of
 * {@code patch_embed}, {@code Wqkv} and {@code Wout} of each {@code attn}, {@code W1} and {@code W2} of each
 * {@code mlp}, and {@code W} of {@code output}. Not decayed under {@code WEIGHTS_ONLY}: all biases, the LayerNorm
 * gains and offsets ({@code gamma}, {@code beta}) and the position embedding {@code pos}, as in timm and big_vision.
 * {@link org.msam.config.DecayScope#ALL_TRAINABLE} (PyTorch's default for {@code AdamW(model.parameters())})
 * decays everything.
 *
 * <p>Initialisation: matrices use the builder's weight initialisation, whose default for this model is Xavier
 * uniform ({@link WeightInit#XAVIER_UNIFORM}, as the attention and MLP layers of big_vision's ViT), not the He
 * initialisation of {@link ModelBuilder#DEFAULT_WEIGHT_INIT}; the three q/k/v blocks of {@code Wqkv} are
 * initialised as separate {@code [D, D]} matrices. Biases and LayerNorm offsets 0, LayerNorm gains 1, position
 * embedding normal with standard deviation {@value PositionEmbedding#INIT_STDDEV}.
 *
 * <p>Parameter counts: all parameters are trainable (no batch normalisation), so DL4J's {@code numParams()} is the
 * trainable count. timm's published figures ({@code vit_*_224}, 1000 classes) include a class token and one
 * more position-embedding row, D + D more than ours:
 * <table>
 *   <caption>Parameters of the named configurations</caption>
 *   <tr><th>model</th><th>D, L, h, M</th><th>input, classes</th><th>ours</th><th>timm (class token)</th></tr>
 *   <tr><td>ViT-S/32</td><td>384, 12, 6, 1536</td><td>3×224×224, 1000</td><td>22,878,184</td>
 *   <td>22,878,952</td></tr>
 *   <tr><td>ViT-S/16</td><td>384, 12, 6, 1536</td><td>3×224×224, 1000</td><td>22,049,896</td>
 *   <td>22,050,664</td></tr>
 *   <tr><td>ViT-B/32</td><td>768, 12, 12, 3072</td><td>3×224×224, 1000</td><td>88,222,696</td>
 *   <td>88,224,232</td></tr>
 *   <tr><td>ViT-B/16</td><td>768, 12, 12, 3072</td><td>3×224×224, 1000</td><td>86,566,120</td>
 *   <td>86,567,656</td></tr>
 *   <tr><td>vit-tiny-cifar (p = 4)</td><td>128, 4, 4, 256</td><td>3×32×32, 100</td><td>557,540</td><td>–</td></tr>
 *   <tr><td>vit-tiny-cifar (p = 4)</td><td>128, 4, 4, 256</td><td>3×32×32, 10</td><td>545,930</td><td>–</td></tr>
 * </table>
 *
 * <p>Speed of one training step of {@code vit-tiny-cifar} ({@code fit} on a mini-batch of 32 images 3×32×32, 100
 * classes, float32), measured over 20 steps after 3 warm-up steps on a 2-core x86-64 machine with DL4J 1.0.0-M2.1
 * and nd4j-native (OpenBLAS, no oneDNN), shared with other builds (the 1-minute load average is given):
 * <table>
 *   <caption>Seconds per mini-batch of 32</caption>
 *   <tr><th>optimizer</th><th>1 thread: median (fastest)</th><th>2 threads: median (fastest)</th></tr>
 *   <tr><td>AdamW</td><td>0.51 (0.44) at load 4.1; 0.91 (0.58) at load 8.6</td>
 *   <td>5.1 (3.7) at load 3.9; 5.4 (1.8) at load 8.6</td></tr>
 *   <tr><td>MSAM over AdamW</td><td>0.79 (0.49) at load 3.6; 0.79 (0.47) at load 8.4</td>
 *   <td>1.0 (0.75) at load 3.7; 3.5 (1.9) at load 9.3</td></tr>
 * </table>
 * "1 thread" is {@code OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1}: on a shared machine ND4J's two OpenMP threads
 * wait for each other whenever a core is taken, which costs more than the second core brings. At about 0.5 s a
 * step, a CIFAR epoch (1,563 steps of 32) takes about 13 minutes. DL4J runs the forward pass of every SameDiff
 * layer twice per step (once for the activations, once inside the backward pass); in ND4J's op profile of a step,
 * matrix products and their gradients take about 36% of the op time and the gradients of element-wise
 * multiplications (LayerNorm, GELU) about 19%.
 *
 * <p>Defaults: 1000 classes and input 3×224×224 for the ImageNet configurations; 100 classes and 3×32×32 for
 * {@link #tinyCifar()}.
 *
 * <pre>{@code
 * ComputationGraph net = VisionTransformer.vitS32()
 *         .updater(Msam.builder().base(AdamW.builder().learningRate(1e-3).weightDecay(0.1).build()).rho(3.0).build())
 *         .init();
 * SharpnessAware.install(net);
 * }</pre>
 */
public final class VisionTransformer extends ModelBuilder<VisionTransformer> {
    /** Default weight initialisation of this model's matrices: {@link WeightInit#XAVIER_UNIFORM}. */
    public static final WeightInit DEFAULT_VIT_WEIGHT_INIT = WeightInit.XAVIER_UNIFORM;

    private final int patchSize;
    private final int dim;
    private final int depth;
    private final int heads;
    private final int mlpDim;

    private VisionTransformer(int numClasses, long channels, long height, long width, int patchSize, int dim,
            int depth, int heads, int mlpDim) {
        super(numClasses, channels, height, width);
        if (patchSize < 1) {
            throw new IllegalArgumentException("Invalid ViT patch size: " + patchSize + " (must be at least 1)");
        }
        if (dim < 1 || heads < 1 || dim % heads != 0) {
            throw new IllegalArgumentException("Invalid ViT width " + dim + " with " + heads
                    + " heads (the width must be a positive multiple of the heads)");
        }
        if (depth < 1) {
            throw new IllegalArgumentException("Invalid ViT depth: " + depth + " (must be at least 1)");
        }
        if (mlpDim < 1) {
            throw new IllegalArgumentException("Invalid ViT MLP width: " + mlpDim + " (must be at least 1)");
        }
        this.patchSize = patchSize;
        this.dim = dim;
        this.depth = depth;
        this.heads = heads;
        this.mlpDim = mlpDim;
        weightInit(DEFAULT_VIT_WEIGHT_INIT);
    }

    /**
     * A ViT of any size, with the ImageNet defaults (1000 classes, 3×224×224).
     *
     * @param patchSize patch side p (the input's height and width must be multiples of it)
     * @param dim       token width D, a multiple of {@code heads}
     * @param depth     number of blocks L
     * @param heads     attention heads h
     * @param mlpDim    hidden width M of the MLPs
     * @return a builder
     */
    public static VisionTransformer builder(int patchSize, int dim, int depth, int heads, int mlpDim) {
        return new VisionTransformer(1000, 3, 224, 224, patchSize, dim, depth, heads, mlpDim);
    }

    /** @return ViT-S/32: D 384, 12 blocks, 6 heads, MLP 1536, patch 32; 22,878,184 parameters (1000 classes) */
    public static VisionTransformer vitS32() {
        return builder(32, 384, 12, 6, 1536);
    }

    /** @return ViT-S/16: D 384, 12 blocks, 6 heads, MLP 1536, patch 16; 22,049,896 parameters (1000 classes) */
    public static VisionTransformer vitS16() {
        return builder(16, 384, 12, 6, 1536);
    }

    /** @return ViT-B/32: D 768, 12 blocks, 12 heads, MLP 3072, patch 32; 88,222,696 parameters (1000 classes) */
    public static VisionTransformer vitB32() {
        return builder(32, 768, 12, 12, 3072);
    }

    /** @return ViT-B/16: D 768, 12 blocks, 12 heads, MLP 3072, patch 16; 86,566,120 parameters (1000 classes) */
    public static VisionTransformer vitB16() {
        return builder(16, 768, 12, 12, 3072);
    }

    /**
     * A small ViT for 32×32 images that trains on a CPU: patch 4 (64 tokens), D 128, 4 blocks, 4 heads, MLP 256;
     * defaults 100 classes, 3×32×32; 557,540 parameters.
     *
     * @return a builder
     */
    public static VisionTransformer tinyCifar() {
        return new VisionTransformer(100, 3, 32, 32, 4, 128, 4, 4, 256);
    }

    /** @return the patch side p */
    public int patchSize() {
        return patchSize;
    }

    /** @return the token width D */
    public int dim() {
        return dim;
    }

    /** @return the number of blocks L */
    public int depth() {
        return depth;
    }

    /** @return the number of attention heads h */
    public int heads() {
        return heads;
    }

    /** @return the hidden width M of the MLPs */
    public int mlpDim() {
        return mlpDim;
    }

    /** @return the number of tokens T = (H/p)·(W/p) for the current input shape */
    public long tokens() {
        return (height() / patchSize) * (width() / patchSize);
    }

    @Override
    void addLayers(GraphBlocks g, String input) {
        if (height() % patchSize != 0 || width() % patchSize != 0) {
            throw new IllegalArgumentException("Invalid ViT input " + height() + "x" + width()
                    + ": height and width must be multiples of the patch size " + patchSize);
        }
        String x = g.layer("patch_embed", new PatchEmbedding(channels(), patchSize, dim), input);
        x = g.layer("pos_embed", new PositionEmbedding(tokens(), dim), x);
        for (int i = 0; i < depth; i++) {
            String p = "block" + i + "_";
            String a = g.layer(p + "norm1", new LayerNormalization(dim), x);
            a = g.layer(p + "attn", new MultiHeadSelfAttention(dim, heads), a);
            x = g.add(p + "add1", a, x);
            String m = g.layer(p + "norm2", new LayerNormalization(dim), x);
            m = g.layer(p + "mlp", new TransformerMlp(dim, mlpDim), m);
            x = g.add(p + "add2", m, x);
        }
        x = g.layer("norm", new LayerNormalization(dim), x);
        x = g.layer("pool", new TokenAveragePooling(), x);
        g.softmaxOutput(x, numClasses(), 0.0);
    }
}
