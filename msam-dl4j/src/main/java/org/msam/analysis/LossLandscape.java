package org.msam.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.msam.rule.Norms;
import org.msam.updater.MomentumUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.NoOpUpdater;

/**
 * Loss-landscape measurements of a {@link MultiLayerNetwork} or {@link ComputationGraph} at the weights θ it holds
 * (the MSAM paper's Sec. 4.3: sharpness along the gradient, the momentum and random directions, Fig. 4; top
 * Hessian eigenvalues, Tab. A.1; 2-D loss surfaces, Fig. A.13; feature rank, Tab. A.5).
 *
 * <p>L(θ) is the mean data loss over every sample of the iterator: (1/N) Σ_i ℓ(f(x_i; θ), y_i), from the output
 * layers' per-sample losses in inference mode (dropout off, BatchNorm with its running statistics), without l1/l2
 * or weight-decay terms. The iterator is reset before every pass and must support it. The caller is responsible for
 * θ: with MSAM, call after {@code fit(iterator)} returned, or inside
 * <pre>{@code
 * try (PerturbationScope scope = SharpnessAware.unperturbed(net)) {
 *     double[] top5 = LossLandscape.defaults().hessianEigenvalues(net, test, 5);
 *     INDArray d = LossLandscape.defaults().filterNormalizedDirection(net, 1);
 *     double[] curve = LossLandscape.defaults().sharpness(net, test, d, -1, -0.5, 0, 0.5, 1);
 * }
 * }</pre>
 * Every method works on a double-precision copy of the model, so the model passed in is never written to (its
 * weights stay bitwise the same); a float model is measured at its float weights in double arithmetic.
 *
 * <p>Gradients (for {@link #gradientDirection} and the Hessian) come from DL4J's backpropagation, which runs the
 * layers' training-mode forward pass: on the copy, dropout and weight noise are removed, so for networks without
 * BatchNormalization the gradient is exactly ∇L in inference mode. DL4J's BatchNormalization has no inference-mode
 * backward pass: with BatchNorm, the gradient and the Hessian are those of the training-mode loss, each
 * mini-batch normalised with its own statistics (so they depend on the iterator's batch size), while L itself
 * ({@link #sharpness}, {@link #landscape2d}) uses the running statistics.
 *
 * <p>Instances are immutable; {@link #defaults()} gives the default settings, the {@code with…} methods copies with
 * one setting changed.
 */
public final class LossLandscape {
    /** Default number of Lanczos steps (capped at the number of trainable parameters). */
    public static final int DEFAULT_LANCZOS_STEPS = 50;
    /** Default seed of the Lanczos start vector. */
    public static final long DEFAULT_SEED = 12345;
    /**
     * Relative finite-difference step: h = {@value} · max(1, ‖θ‖) (≈ ε^(1/3) of double precision, the step that
     * balances the O(h²) truncation error of central differences against the O(ε/h) rounding error).
     */
    public static final double DEFAULT_RELATIVE_STEP = 6.0e-6;

    private static final LossLandscape DEFAULTS = new LossLandscape(DEFAULT_LANCZOS_STEPS, DEFAULT_SEED,
            DEFAULT_RELATIVE_STEP, Progress.NONE);

    /** Receives progress of the long measurements. */
    @FunctionalInterface
    public interface Progress {
        /** Reports nothing. */
        Progress NONE = (task, done, total) -> { };

        /**
         * @param task  what is running, e.g. "hessian"
         * @param done  steps done
         * @param total steps in all
         */
        void update(String task, long done, long total);
    }

    private final int lanczosSteps;
    private final long seed;
    private final double relativeStep;
    private final Progress progress;

    private LossLandscape(int lanczosSteps, long seed, double relativeStep, Progress progress) {
        this.lanczosSteps = lanczosSteps;
        this.seed = seed;
        this.relativeStep = relativeStep;
        this.progress = progress;
    }

    /** @return the default settings: {@value #DEFAULT_LANCZOS_STEPS} Lanczos steps, no progress reports */
    public static LossLandscape defaults() {
        return DEFAULTS;
    }

    /**
     * @param steps the maximal number of Lanczos steps (Hessian-vector products), ≥ 1; the iteration runs
     *              min(number of trainable parameters, max(steps, 2k)) steps
     * @return a copy with that setting
     */
    public LossLandscape withLanczosSteps(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("Invalid Lanczos steps: " + steps + " (must be >= 1)");
        }
        return new LossLandscape(steps, seed, relativeStep, progress);
    }

    /**
     * @param startSeed seed of the Lanczos start vector (and of restarts)
     * @return a copy with that setting
     */
    public LossLandscape withSeed(long startSeed) {
        return new LossLandscape(lanczosSteps, startSeed, relativeStep, progress);
    }

    /**
     * @param step relative finite-difference step (h = step · max(1, ‖θ‖)), in (0, 1)
     * @return a copy with that setting
     */
    public LossLandscape withRelativeStep(double step) {
        if (!(step > 0 && step < 1)) {
            throw new IllegalArgumentException("Invalid relative step: " + step + " (must be in (0, 1))");
        }
        return new LossLandscape(lanczosSteps, seed, step, progress);
    }

    /**
     * @param listener receives progress (one update per pass over the data, or per Hessian-vector product)
     * @return a copy with that setting
     */
    public LossLandscape withProgress(Progress listener) {
        return new LossLandscape(lanczosSteps, seed, relativeStep, listener == null ? Progress.NONE : listener);
    }

    /**
     * L(θ), the mean data loss over every sample of {@code data} (inference mode, no regularization terms).
     *
     * @param net  the model
     * @param data the samples
     * @return L(θ)
     */
    public double loss(Model net, DataSetIterator data) {
        return WorkingCopy.of(net).loss(data);
    }

    /**
     * The k largest (algebraic) eigenvalues of the Hessian H = ∇²L(θ) over the trainable parameters (BatchNorm
     * running statistics and frozen or NoOp parameters excluded), in descending order.
     *
     * <p>Lanczos with full reorthogonalisation: q₁ a seeded Gaussian unit vector; for j = 1, 2, …:
     * w = H·q_j − β_j·q_{j−1}, α_j = q_jᵀw, w ← w − α_j·q_j, then w is orthogonalised twice against every q_i,
     * β_{j+1} = ‖w‖, q_{j+1} = w/β_{j+1}; when β_{j+1} vanishes (the Krylov space is invariant) the iteration
     * restarts from a fresh random vector orthogonal to all q_i, with β_{j+1} = 0. After m = min(P, max(steps, 2k))
     * steps (P trainable parameters) the eigenvalues of the tridiagonal T_m (α on the diagonal, β beside it) are the
     * Ritz values; with m = P they are all of H's eigenvalues, multiplicities included; with m &lt; P the extreme ones
     * converge first, and an eigenvalue repeated exactly may show once.
     *
     * <p>H·u ≈ (∇L(θ + h·u) − ∇L(θ − h·u)) / (2h) (central differences of the backpropagated gradient, ‖u‖ = 1,
     * h = relativeStep · max(1, ‖θ‖)): two passes over the data per step. In double precision the error is about
     * 1e-10 relative for smooth losses; a float model is measured on a double copy of its weights. See the class
     * comment for what the gradient is with BatchNorm. Memory: the m Lanczos vectors, m·P doubles, besides the
     * double copy of the model.
     *
     * @param net  the model
     * @param data the samples
     * @param k    how many eigenvalues, 1 ≤ k ≤ number of trainable parameters
     * @return the k largest eigenvalues, descending
     */
    public double[] hessianEigenvalues(Model net, DataSetIterator data, int k) {
        WorkingCopy w = WorkingCopy.of(net);
        if (k < 1) {
            throw new IllegalArgumentException("Invalid k: " + k + " (the number of eigenvalues must be >= 1)");
        }
        if (k > w.numTrainable) {
            throw new IllegalArgumentException("k = " + k + " exceeds the " + w.numTrainable + " trainable parameters "
                    + "of the model: the Hessian has only that many eigenvalues");
        }
        WorkingCopy.requireSamples(countSamples(data));
        int steps = (int) Math.min(w.numTrainable, Math.max(lanczosSteps, 2L * k));
        double h = relativeStep * Math.max(1, w.theta.mul(w.trainable).norm2Number().doubleValue());
        Random random = new Random(seed);
        List<INDArray> q = new ArrayList<>();
        double[] alpha = new double[steps];
        double[] beta = new double[steps];  // beta[j] couples q_{j-1} and q_j; beta[0] = 0
        INDArray current = randomUnit(w, random, q);
        double scale = 0;
        for (int j = 0; j < steps; j++) {
            q.add(current);
            INDArray v = hessianTimes(w, data, current, h);
            alpha[j] = Norms.dot(v, current);
            axpy(-alpha[j], current, v);
            if (j > 0) {
                axpy(-beta[j], q.get(j - 1), v);
            }
            orthogonalise(v, q);
            orthogonalise(v, q);
            v.muli(w.trainable);
            progress.update("hessian", j + 1, steps);
            if (j + 1 == steps) {
                break;
            }
            double b = v.norm2Number().doubleValue();
            scale = Math.max(scale, Math.abs(alpha[j]) + b + (j > 0 ? beta[j] : 0));
            if (b <= 1e-12 * scale) {
                beta[j + 1] = 0;
                current = randomUnit(w, random, q);
            } else {
                beta[j + 1] = b;
                current = v.divi(b);
            }
        }
        double[] ritz = new EigenDecomposition(alpha, Arrays.copyOfRange(beta, 1, steps)).getRealEigenvalues();
        Arrays.sort(ritz);
        double[] top = new double[k];
        for (int i = 0; i < k; i++) {
            top[i] = ritz[ritz.length - 1 - i];
        }
        return top;
    }

    private long countSamples(DataSetIterator data) {
        WorkingCopy.rewind(data);
        long n = 0;
        while (data.hasNext()) {
            n += data.next().numExamples();
        }
        return n;
    }

    /** H·u by central differences of the gradient; the copy is back at θ afterwards. */
    private static INDArray hessianTimes(WorkingCopy w, DataSetIterator data, INDArray u, double h) {
        try {
            w.moveTo(u.mul(h));
            INDArray plus = w.gradient(data);
            w.moveTo(u.mul(-h));
            INDArray minus = w.gradient(data);
            return plus.subi(minus).divi(2 * h);
        } finally {
            w.reset();
        }
    }

    /** A seeded Gaussian unit vector over the trainable parameters, orthogonal to {@code basis}. */
    private static INDArray randomUnit(WorkingCopy w, Random random, List<INDArray> basis) {
        double[] g = new double[(int) w.numParams()];
        for (int i = 0; i < g.length; i++) {
            g[i] = random.nextGaussian();
        }
        INDArray v = Nd4j.create(g, w.params.shape()).muli(w.trainable);
        orthogonalise(v, basis);
        orthogonalise(v, basis);
        return v.divi(v.norm2Number());
    }

    /** v ← v − Σ_b (b·v)·b, one pass at a time, in place: no parameter-sized temporary per basis vector. */
    private static void orthogonalise(INDArray v, List<INDArray> basis) {
        for (INDArray b : basis) {
            axpy(-Norms.dot(b, v), b, v);
        }
    }

    /** y ← α·x + y, in place (BLAS axpy). */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), alpha, x, y);
    }

    /**
     * Sharpness along a direction (the paper's Eq. 3): S(r) = L(θ + r·d/‖d‖) − L(θ) for each radius r. The entries
     * of d at BatchNorm running statistics are set to zero before normalising (they are not weights).
     *
     * @param net       the model
     * @param data      the samples
     * @param direction d, laid out like {@code net.params()}, not zero outside the BatchNorm statistics
     * @param radii     the radii r (distances in parameter space)
     * @return S(r) for each radius, in the order given
     */
    public double[] sharpness(Model net, DataSetIterator data, INDArray direction, double... radii) {
        WorkingCopy w = WorkingCopy.of(net);
        INDArray d = unit(w, direction, "direction");
        if (radii == null || radii.length == 0) {
            throw new IllegalArgumentException("Give at least one radius");
        }
        double base = w.loss(data);
        double[] s = new double[radii.length];
        for (int i = 0; i < radii.length; i++) {
            try {
                w.moveTo(d.mul(radii[i]));
                s[i] = w.loss(data) - base;
            } finally {
                w.reset();
            }
            progress.update("sharpness", i + 1, radii.length);
        }
        return s;
    }

    private static INDArray unit(WorkingCopy w, INDArray direction, String what) {
        INDArray d = w.direction(direction, what);
        double norm = d.norm2Number().doubleValue();
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new IllegalArgumentException(what + " is " + (norm == 0 ? "zero" : "not finite (norm " + norm + ")")
                    + " outside the BatchNorm statistics: it cannot be normalised. For the momentum, train at "
                    + "least one step with a momentum optimizer first");
        }
        return d.divi(norm);
    }

    /**
     * The loss surface in the plane of two directions: L(θ + a_i·d1 + b_j·d2) for every a_i and b_j. The
     * directions are used as given (not normalised), with their BatchNorm-statistic entries zeroed; with
     * {@link #filterNormalizedDirection} directions, a = 1 is a step as long as the weights (Li et al. 2018).
     *
     * @param net  the model
     * @param data the samples
     * @param d1   first direction, laid out like {@code net.params()}
     * @param d2   second direction
     * @param a    coefficients along d1
     * @param b    coefficients along d2
     * @return loss[i][j] = L(θ + a[i]·d1 + b[j]·d2)
     */
    public double[][] landscape2d(Model net, DataSetIterator data, INDArray d1, INDArray d2, double[] a, double[] b) {
        WorkingCopy w = WorkingCopy.of(net);
        INDArray x = w.direction(d1, "d1");
        INDArray y = w.direction(d2, "d2");
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            throw new IllegalArgumentException("Give at least one coefficient along each direction");
        }
        double[][] loss = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                try {
                    w.moveTo(x.mul(a[i]).addi(y.mul(b[j])));
                    loss[i][j] = w.loss(data);
                } finally {
                    w.reset();
                }
                progress.update("landscape-2d", (long) i * b.length + j + 1, (long) a.length * b.length);
            }
        }
        return loss;
    }

    /**
     * A filter-normalised random direction (Li et al. 2018, "Visualizing the loss landscape of neural nets"): a
     * standard Gaussian for every weight, then each filter of it rescaled to the norm of the same filter of θ,
     * d_f ← d_f · ‖θ_f‖ / ‖d_f‖; biases, BatchNorm parameters and every other non-weight parameter zero. A filter
     * is an output unit: a column of a 2-D weight matrix ([nIn, nOut], dense and output layers), the slice at
     * one index of the first dimension of a weight of rank ≥ 3 ([out, in, kH, kW], convolutions); a rank-1 weight
     * is one filter. Weights are the parameters the layer's {@code ParamInitializer.isWeightParam} names.
     *
     * @param net  the model
     * @param seed seed of the Gaussian (java.util.Random, drawn in parameter order)
     * @return d, laid out like {@code net.params()}, in double
     */
    public INDArray filterNormalizedDirection(Model net, long seed) {
        WorkingCopy w = WorkingCopy.of(net);
        Random random = new Random(seed);
        return w.fillArrays((layer, name, view) -> {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (!conf.initializer().isWeightParam(conf, name)) {
                view.assign(0);
                return;
            }
            long[] shape = view.shape();
            long filters = shape.length == 2 ? shape[1] : shape.length >= 3 ? shape[0] : 1;
            INDArray theta = view.dup('c');
            INDArray thetaByFilter = shape.length == 2 ? theta.transpose().dup('c').reshape('c', filters, -1)
                    : theta.reshape('c', filters, -1);
            double[] g = new double[(int) theta.length()];
            for (int i = 0; i < g.length; i++) {
                g[i] = random.nextGaussian();
            }
            INDArray d = Nd4j.create(g, new long[] {filters, theta.length() / filters}, 'c');
            INDArray ratio = thetaByFilter.norm2(1).divi(d.norm2(1));
            d.muliColumnVector(ratio.reshape(filters, 1));
            view.assign(shape.length == 2 ? d.transpose() : d.reshape('c', shape));
        });
    }

    /**
     * ∇L(θ), the mean data-loss gradient over every sample (no regularization terms), zero at parameters that are
     * not trained (BatchNorm statistics, frozen or NoOp parameters). See the class comment for BatchNorm.
     *
     * @param net  the model
     * @param data the samples
     * @return ∇L(θ), laid out like {@code net.params()}, in double
     */
    public INDArray gradientDirection(Model net, DataSetIterator data) {
        return WorkingCopy.of(net).gradient(data);
    }

    /**
     * The optimizer's momentum, laid out like {@code net.params()}: v of {@code SgdMomentum} (the buffer that
     * accumulates +g in this project's sign convention), the first moment m of {@code AdamW} (not bias-corrected),
     * also under {@code Msam} or {@code Sam}; zero for parameters with a NoOp updater (BatchNorm statistics,
     * frozen layers) and for SgdMomentum without a momentum buffer (momentum 0). Read from the model's updater
     * state (not copied; nothing is written).
     *
     * @param net a trained model with its updater state
     * @return the momentum, in double
     */
    public INDArray momentumDirection(Model net) {
        BaseMultiLayerUpdater<?> updater;
        if (net instanceof MultiLayerNetwork) {
            updater = (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) net).getUpdater(false);
        } else if (net instanceof ComputationGraph) {
            updater = ((ComputationGraph) net).getUpdater(false);
        } else {
            throw new IllegalArgumentException("LossLandscape measures MultiLayerNetwork and ComputationGraph models; got "
                    + (net == null ? "null" : net.getClass().getName()));
        }
        if (updater == null) {
            throw new IllegalStateException("The model has no optimizer state (it was never trained, or was restored "
                    + "without its updater: use ModelSerializer.restore...(file, true)), so it has no momentum");
        }
        INDArray params = net.params();
        INDArray m = Nd4j.zeros(DataType.DOUBLE, params.shape());
        INDArray flat = m.reshape(m.length());
        for (UpdaterBlock b : updater.getUpdaterBlocks()) {
            GradientUpdater<?> u = b.getGradientUpdater();
            if (u instanceof NoOpUpdater) {
                continue;
            }
            if (!(u instanceof MomentumUpdater)) {
                UpdaterBlock.ParamState p = b.getLayersAndVariablesInBlock().get(0);
                throw new IllegalArgumentException("momentumDirection reads the momentum of org.msam SgdMomentum and "
                        + "AdamW (also under Msam or Sam); layer \"" + p.getLayer().getConfig().getLayerName()
                        + "\" parameter \"" + p.getParamName() + "\" uses " + u.getClass().getName());
            }
            MomentumUpdater mu = (MomentumUpdater) u;
            long n = b.getParamOffsetEnd() - b.getParamOffsetStart();
            mu.resolve(n);
            INDArray v = mu.momentum();
            if (v != null) {
                flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(b.getParamOffsetStart(), b.getParamOffsetEnd()))
                        .assign(v.reshape(n).castTo(DataType.DOUBLE));
            }
        }
        return m;
    }

    /**
     * Feature rank (the paper's Tab. A.5): with σ₁ ≥ σ₂ ≥ … the singular values of the (samples × features)
     * matrix F of the activations of {@code layer} over every sample (inference mode; each sample's activations
     * flattened), the smallest k with σ₁ + … + σ_k ≥ fraction · Σσ. The singular values come from LAPACK
     * ({@code gesvd} through ND4J), in double; F takes N·features doubles.
     *
     * @param net      the model
     * @param data     the samples
     * @param layer    the layer name (MultiLayerNetwork) or vertex name (ComputationGraph) whose output to use
     * @param fraction the share of the sum of singular values to hold, in (0, 1] (the paper: 0.99)
     * @return the feature rank k
     */
    public int featureRank(Model net, DataSetIterator data, String layer, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("Invalid fraction: " + fraction + " (must be in (0, 1]; the paper "
                    + "uses 0.99)");
        }
        WorkingCopy w = WorkingCopy.of(net);
        List<String> names = w.layerNames();
        if (layer == null || !names.contains(layer)) {
            throw new IllegalArgumentException("Unknown layer '" + layer + "'; the model's "
                    + (w.model instanceof MultiLayerNetwork ? "layers" : "vertices") + " are " + names);
        }
        WorkingCopy.rewind(data);
        List<INDArray> rows = new ArrayList<>();
        while (data.hasNext()) {
            DataSet ds = WorkingCopy.toDouble(data.next());
            INDArray act = activations(w.model, layer, ds);
            rows.add(act.dup('c').reshape('c', act.size(0), act.length() / act.size(0)));
        }
        long n = rows.stream().mapToLong(r -> r.size(0)).sum();
        WorkingCopy.requireSamples(n);
        INDArray f = Nd4j.vstack(rows.toArray(new INDArray[0])).dup('f');
        INDArray s = Nd4j.create(DataType.DOUBLE, Math.min(f.rows(), f.columns()));
        Nd4j.getBlasWrapper().lapack().gesvd(f, s, null, null);
        return rank(s.toDoubleVector(), fraction);
    }

    /** The smallest k whose k largest values hold {@code fraction} of the sum. */
    static int rank(double[] singular, double fraction) {
        double[] sv = singular.clone();
        Arrays.sort(sv);
        double total = 0;
        for (double x : sv) {
            total += x;
        }
        double cum = 0;
        for (int k = 1; k <= sv.length; k++) {
            cum += sv[sv.length - k];
            if (cum >= fraction * total) {
                return k;
            }
        }
        return sv.length;
    }

    private static INDArray activations(Model m, String layer, DataSet ds) {
        if (m instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) m;
            Layer[] layers = net.getLayers();
            int index = -1;
            for (int i = 0; i < layers.length; i++) {
                if (layer.equals(layers[i].conf().getLayer().getLayerName())) {
                    index = i;
                }
            }
            List<INDArray> acts = net.feedForwardToLayer(index, ds.getFeatures(), false);
            return acts.get(acts.size() - 1);
        }
        Map<String, INDArray> acts = ((ComputationGraph) m).feedForward(new INDArray[] {ds.getFeatures()}, false);
        return acts.get(layer);
    }
}
