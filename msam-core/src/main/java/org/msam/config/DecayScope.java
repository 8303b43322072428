package org.msam.config;

/** Which parameters AdamW's decoupled weight decay acts on. */
public enum DecayScope {
    /**
     * Every trainable parameter: weights, biases, BatchNorm γ/β, embeddings (PyTorch's default for
     * {@code torch.optim.AdamW(model.parameters())}). BatchNorm running statistics and frozen layers
     * are never decayed.
     */
    ALL_TRAINABLE,
    /**
     * Only parameters DL4J calls weights ({@code ParamInitializer.isWeightParam}): no biases, no
     * BatchNorm γ/β (DL4J's default for {@code .weightDecay(…)}).
     */
    WEIGHTS_ONLY
}
