package org.msam.rule;

import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SAM's ascent step, shared by the rules that take one (SAM, LookSAM's refresh steps): θ_i ← θ_i + s·d_i with a
 * copy of θ_i kept, and θ_i restored from the copy, variable by variable. The copies are allocated once.
 */
final class Ascent {
    private final List<Variable> variables;
    private final INDArray[] backup;
    private final boolean[] ascended;
    private int count;

    Ascent(List<Variable> variables) {
        this.variables = variables;
        this.backup = new INDArray[variables.size()];
        this.ascended = new boolean[variables.size()];
    }

    /** θ_i ← θ_i + scale·d, remembering θ_i. */
    void move(int i, INDArray d, double scale) {
        INDArray theta = variables.get(i).value();
        buffer(backup, i, theta).assign(theta);
        Nd4j.exec(new Axpy(d, theta, theta, scale));
        if (!ascended[i]) {
            ascended[i] = true;
            count++;
        }
    }

    /** θ_i ← its copy, if variable i was moved. */
    void restore(int i) {
        if (ascended[i]) {
            variables.get(i).value().assign(backup[i]);
            ascended[i] = false;
            count--;
        }
    }

    /** Restores every moved variable. */
    void restoreAll() {
        for (int i = 0; count > 0 && i < ascended.length; i++) {
            restore(i);
        }
    }

    /** @return true while some variable is moved */
    boolean isAscended() {
        return count > 0;
    }

    /** @return {@code buffers[i]}, allocated like {@code like} (flat, same data type) on first use */
    static INDArray buffer(INDArray[] buffers, int i, INDArray like) {
        if (buffers[i] == null) {
            buffers[i] = Nd4j.createUninitialized(like.dataType(), like.length());
        }
        return buffers[i];
    }
}
