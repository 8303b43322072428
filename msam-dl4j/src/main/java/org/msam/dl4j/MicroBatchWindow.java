package org.msam.dl4j;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The driver's gradient-accumulation window (docs/ALGORITHMS.md, "Gradient accumulation"): k consecutive micro-batches
 * per optimizer step. A micro-batch that does not end the window adds its step gradient G_j (DL4J's sum over its
 * examples, after the rule's phases) to one parameter-sized sum, applies its own BatchNorm running-statistics update,
 * and passes through DL4J's updater and step without effect: the updater's blocks are taken out of DL4J's list for
 * that call (so no block's optimizer state, decay or schedule is touched) and the step is not applied. The micro-batch
 * that ends the window finds Σ G_j in its gradient, scaled so that DL4J's division by its own size b_k gives the
 * example-weighted mean Σ G_j / Σ b_j, and steps as usual.
 */
final class MicroBatchWindow {
    private final int k;
    /** Micro-batches already in the open window, and their examples. */
    private int taken;
    private long examples;
    /** Σ G_j over the window, laid out like the network's flat parameters; allocated at the first micro-batch. */
    private INDArray sum;
    /** DL4J's list of updater blocks while a held-back micro-batch passes through the updater, and its content. */
    private List<UpdaterBlock> blocks;
    private List<UpdaterBlock> heldBlocks;

    /** @param accumulation the driver's option */
    MicroBatchWindow(Accumulation accumulation) {
        this.k = accumulation.microBatches();
    }

    /** @return k, the micro-batches per step */
    int size() {
        return k;
    }

    /** @return the micro-batches accumulated in the open window */
    int open() {
        return taken;
    }

    /**
     * After the rule's phases of a micro-batch, before DL4J's updater: a micro-batch that does not end the window is
     * added to it and held back; the last one gets the window's weighted mean in its gradient.
     *
     * @param net  the network
     * @param host the rule's host on it
     * @return true when the micro-batch is held back: DL4J's updater and step must not act on it
     */
    boolean holdBack(Net net, NetworkHost host) {
        if (k == 1) {
            return false;
        }
        long b = net.model.batchSize();
        if (taken + 1 < k) {
            INDArray grad = net.gradient();
            if (sum == null || sum.length() != grad.length() || sum.dataType() != grad.dataType()) {
                sum = Nd4j.zeros(grad.dataType(), grad.length());
            }
            host.addStepGradient(sum);
            host.stepNoOpParameters();
            taken++;
            examples += b;
            blocks = net.blocks();
            heldBlocks = new ArrayList<>(blocks);
            blocks.clear();
            return true;
        }
        if (taken > 0) {
            host.takeAccumulated(sum, (double) b / (examples + b));
            sum.assign(0);
        }
        taken = 0;
        examples = 0;
        return false;
    }

    /** @return true between {@link #holdBack} returning true and {@link #release()} */
    boolean holding() {
        return blocks != null;
    }

    /** Gives DL4J's updater its blocks back (idempotent). */
    void release() {
        if (blocks != null) {
            blocks.clear();
            blocks.addAll(heldBlocks);
            blocks = null;
            heldBlocks = null;
        }
    }

    /** Drops the open window (the network's updater or parameters were replaced). */
    void restart() {
        release();
        taken = 0;
        examples = 0;
        if (sum != null) {
            sum.assign(0);
        }
    }
}
