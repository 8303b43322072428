package org.msam.rule;

import java.util.Objects;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * One trainable variable of a model, as a host hands it to a rule: flat, contiguous views of its weights and of
 * the base optimizer's momentum for it, and the updater that steps it. The views alias the host's own arrays:
 * writing to {@link #value()} changes the model.
 *
 * <p>A DL4J network's updater block holds several variables that share one {@link #updater()}; in SameDiff each
 * variable has its own.
 */
public final class Variable {
    private final String name;
    private final ParamKind kind;
    private final INDArray value;
    private final INDArray momentum;
    private final GradientUpdater<?> updater;
    private final long offset;

    /** A variable at the start of its updater's block (a SameDiff variable, or a block of one variable). */
    public Variable(String name, ParamKind kind, INDArray value, INDArray momentum, GradientUpdater<?> updater) {
        this(name, kind, value, momentum, updater, 0);
    }

    /**
     * @param name     a name for messages ("layer \"d1\" parameter \"W\"", or a SameDiff variable name)
     * @param kind     what the variable is
     * @param value    a flat, contiguous view of the variable's weights in the host
     * @param momentum a flat view of the base optimizer's momentum (SGD's v, AdamW's m) laid out like
     *                 {@code value}, or null when the optimizer keeps none
     * @param updater  the updater that steps the variable
     * @param offset   where the variable starts in its updater's block, in parameters
     */
    public Variable(String name, ParamKind kind, INDArray value, INDArray momentum, GradientUpdater<?> updater,
                    long offset) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.value = Objects.requireNonNull(value, "value");
        if (value.rank() != 1) {
            throw new IllegalArgumentException("Variable " + name + ": the value view must be flat, got rank "
                    + value.rank());
        }
        if (momentum != null && momentum.length() != value.length()) {
            throw new IllegalArgumentException("Variable " + name + ": momentum of length " + momentum.length()
                    + " for " + value.length() + " parameters");
        }
        this.momentum = momentum;
        this.updater = Objects.requireNonNull(updater, "updater");
        if (offset < 0) {
            throw new IllegalArgumentException("Variable " + name + ": negative offset " + offset);
        }
        this.offset = offset;
    }

    /**
     * @param blockBuffer a flat buffer of an updater's state laid out like the parameters of its whole block
     * @return the part of it that belongs to this variable, as a view
     */
    public INDArray sliceOf(INDArray blockBuffer) {
        return blockBuffer.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + value.length()));
    }

    /** @return the name, for messages */
    public String name() {
        return name;
    }

    /** @return what the variable is */
    public ParamKind kind() {
        return kind;
    }

    /** @return the flat view of the weights the host holds */
    public INDArray value() {
        return value;
    }

    /** @return the flat view of the base optimizer's momentum, or null */
    public INDArray momentum() {
        return momentum;
    }

    /** @return the updater that steps this variable */
    public GradientUpdater<?> updater() {
        return updater;
    }

    /** @return the number of parameters */
    public long length() {
        return value.length();
    }

    @Override
    public String toString() {
        return name + " (" + kind + ", " + value.length() + ")";
    }
}
