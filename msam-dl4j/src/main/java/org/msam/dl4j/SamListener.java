package org.msam.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.BackpropType;
import org.msam.config.Sam;
import org.msam.updater.MsamPerturbation;
import org.msam.updater.SamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runs SAM (Foret et al. 2021) or adaptive SAM (Kwon et al. 2021) on a MultiLayerNetwork or ComputationGraph
 * whose trainable parameters all use a {@link Sam} updater. Installed by {@link SharpnessAware#install}.
 *
 * <p>In {@code onGradientCalculation}, with g1 the gradient DL4J just computed at θ (a sum over the
 * mini-batch of size B): e = ρ·g1/(‖g1‖ + B·δ), which equals ρ·ḡ1/(‖ḡ1‖ + δ) for the mean gradient ḡ1
 * (adaptive: e = ρ·T²·g1/(‖T·g1‖ + B·δ), T = |θ| + η_a); θ is backed up, θ + e is set, the
 * forward/backward pass is repeated on the same mini-batch (dropout is re-sampled), θ is restored from
 * the backup, the BatchNorm running-statistic updates of the first pass are put back, and the first pass's
 * score is reported. DL4J's updater then takes the base step at θ with the second gradient. With ρ = 0 the
 * second pass is skipped and the run equals the base optimizer exactly.
 *
 * <p>The network holds θ between iterations: nothing user-visible is ever perturbed.
 *
 * <p>Memory: one parameter-sized backup of θ, a copy of the BatchNorm statistics' updates, and for adaptive
 * SAM one more parameter-sized buffer for T. Cost: two forward/backward passes per step.
 *
 * <p>Not supported (refused by {@code install}): truncated BPTT, and a mix of Sam and other updaters on
 * trainable parameters.
 */
public final class SamListener extends SharpnessAwareListener {
    private static final long serialVersionUID = 1L;

    private transient Binding binding;
    private transient Sam config;
    private transient INDArray backup;
    private transient INDArray noOpGradients;
    private transient INDArray scaleBuffer;

    SamListener() {
    }

    @Override
    String algorithm() {
        return "SAM";
    }

    @Override
    void bind(Net net) {
        if (binding != null && !binding.isStale(net)) {
            return;
        }
        Binding b = Binding.of(net);
        if (net.backpropType() == BackpropType.TruncatedBPTT) {
            throw new IllegalStateException("SAM does not support truncated BPTT: DL4J runs one optimizer step per "
                    + "segment. Use BackpropType.Standard, or the base optimizer without Sam.");
        }
        Sam first = null;
        for (Binding.Block block : b.trainable) {
            if (!(block.updater instanceof SamUpdater)) {
                throw new IllegalStateException("SAM needs every trainable parameter to use a Sam updater (the "
                        + "perturbation uses the global gradient norm), but " + net.describe(block.block) + " uses "
                        + block.updater.getConfig() + ". Set the Sam updater on the network builder, or on every "
                        + "layer with the same rho.");
            }
            Sam s = ((SamUpdater) block.updater).getConfig();
            if (first == null) {
                first = s;
            } else if (!first.samePerturbation(s)) {
                throw new IllegalStateException("All Sam updaters of a model must share rho and adaptive settings: "
                        + "found " + first + " and " + s);
            }
        }
        INDArray params = b.flatParams;
        long noOpSize = 0;
        for (Binding.Block block : b.noOp) {
            noOpSize += block.end - block.start;
        }
        config = first;
        backup = Nd4j.createUninitialized(params.dataType(), params.length());
        noOpGradients = noOpSize == 0 ? null : Nd4j.createUninitialized(params.dataType(), noOpSize);
        scaleBuffer = first != null && first.isAdaptive() ? Nd4j.createUninitialized(params.dataType(), params.length())
                : null;
        binding = b;
    }

    @Override
    boolean isPerturbed() {
        return false;
    }

    @Override
    void removePerturbation() {
        // The network holds θ between iterations.
    }

    @Override
    void applyPerturbation() {
        // Nothing is kept perturbed between iterations.
    }

    @Override
    public void onEpochStart(Model model) {
        forwardEpochStart(model);
    }

    @Override
    public void onEpochEnd(Model model) {
        forwardEpochEnd(model);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (!internalPass) {
            forwardIterationDone(model, iteration, epoch);
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (internalPass) {
            return;
        }
        Net net = Net.of(model);
        bind(net);
        requireFinite(net, "SAM");
        if (config != null && config.getRho() > 0) {
            secondPass(net);
        }
        binding.arm(net.iteration());
        forwardGradientCalculation(model);
    }

    private void secondPass(Net net) {
        INDArray params = binding.flatParams;
        INDArray grad = net.gradient();
        double score = net.model.score();
        double batch = Math.max(1, net.model.batchSize());
        if (config.isAdaptive()) {
            // T = |θ| + η_a, then g ← T·g: the norm is ‖T·g1‖ and a second product gives T²·g1.
            scaleBuffer.assign(params);
            Transforms.abs(scaleBuffer, false);
            scaleBuffer.addi(config.getAdaptiveEta());
            for (Binding.Block b : binding.trainable) {
                b.slice(grad).muli(b.slice(scaleBuffer));
            }
        }
        double sq = 0;
        for (Binding.Block b : binding.trainable) {
            double n = b.slice(grad).norm2Number().doubleValue();
            sq += n * n;
        }
        double scale = config.getRho() / (Math.sqrt(sq) + batch * MsamPerturbation.DELTA);
        backup.assign(params);
        long off = 0;
        for (Binding.Block b : binding.noOp) {
            long len = b.end - b.start;
            noOpGradients.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(off, off + len)).assign(b.slice(grad));
            off += len;
        }
        for (Binding.Block b : binding.trainable) {
            INDArray g = b.slice(grad);
            if (config.isAdaptive()) {
                g.muli(b.slice(scaleBuffer));
            }
            Nd4j.exec(new Axpy(g, b.params, b.params, scale));
        }
        internalPass = true;
        try {
            net.computeGradientAndScore();
        } finally {
            internalPass = false;
            params.assign(backup);
        }
        grad = net.gradient();
        off = 0;
        for (Binding.Block b : binding.noOp) {
            long len = b.end - b.start;
            b.slice(grad).assign(noOpGradients.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(off, off + len)));
            off += len;
        }
        net.setScore(score);
        requireFinite(net, "SAM");
    }
}
