package org.msam.dl4j;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SameDiff;
import org.msam.rule.Need;
import org.msam.rule.Norms;
import org.msam.rule.SharpnessRule;
import org.msam.rule.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Records what the MSAM paper analyses (its Fig. 2C and A.12), every {@code every} iterations, on the
 * mini-batch being trained: with v the momentum <em>before</em> its update and ḡ the new mean gradient (at
 * θ̃, weight decay excluded), over all trainable parameters,
 * <ul>
 *   <li>{@code cos_v_g} = ⟨v, ḡ⟩ / (‖v‖·‖ḡ‖): negative when −v is an ascent direction (the reason MSAM
 *       perturbs along −v); v accumulates +g in our sign convention;</li>
 *   <li>{@code loss_theta} and {@code loss_theta_tilde}: the loss of the mini-batch at θ and at θ̃ (in
 *       inference mode: no dropout, BatchNorm running statistics), the second should be higher;</li>
 *   <li>{@code momentum_norm} ‖v‖, {@code c}, and {@code perturbation_norm} = |c|·‖v‖ (≈ |ρ|).</li>
 * </ul>
 * Rows are appended to a CSV file (header {@link #HEADER}) and kept in memory ({@link #rows()}).
 *
 * <p>Off unless asked for: pass it to {@link SharpnessAware#install} with MSAM, on a network or a SameDiff instance.
 * Each recorded iteration costs two inference passes over the mini-batch and a removal/re-application of the
 * perturbation, which may change the trajectory by float rounding. On SameDiff the losses are those of the graph's
 * loss variables, without regularization; on networks DL4J's score, which includes it.
 */
public final class MsamDiagnostics extends BaseTrainingListener {
    /** The CSV header. */
    public static final String HEADER = "iteration,epoch,cos_v_g,loss_theta,loss_theta_tilde,momentum_norm,c,"
            + "perturbation_norm";

    /** One recorded iteration. */
    public static final class Row {
        /** Iteration. */
        public final int iteration;
        /** Epoch. */
        public final int epoch;
        /** Cosine similarity of the momentum before the update and the new gradient. */
        public final double cosine;
        /** Mini-batch loss at θ. */
        public final double lossTheta;
        /** Mini-batch loss at θ̃. */
        public final double lossThetaTilde;
        /** ‖v‖ before the update. */
        public final double momentumNorm;
        /** c of the perturbation in place. */
        public final double c;

        Row(int iteration, int epoch, double cosine, double lossTheta, double lossThetaTilde, double momentumNorm,
            double c) {
            this.iteration = iteration;
            this.epoch = epoch;
            this.cosine = cosine;
            this.lossTheta = lossTheta;
            this.lossThetaTilde = lossThetaTilde;
            this.momentumNorm = momentumNorm;
            this.c = c;
        }

        /** @return |c|·‖v‖, the length of the perturbation */
        public double perturbationNorm() {
            return Math.abs(c) * momentumNorm;
        }

        /** @return the row as a CSV line in the order of {@link #HEADER}, without a line break */
        public String csv() {
            return String.format(Locale.ROOT, "%d,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g", iteration, epoch, cosine,
                    lossTheta, lossThetaTilde, momentumNorm, c, perturbationNorm());
        }
    }

    private final Path csv;
    private final int every;
    private final List<Row> rows = new ArrayList<>();

    /**
     * @param csv   the CSV file to write (created or replaced), or null to keep the rows in memory only
     * @param every record every this many iterations (≥ 1)
     */
    public MsamDiagnostics(Path csv, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("Invalid every value: " + every + " (must be >= 1)");
        }
        this.csv = csv;
        this.every = every;
        if (csv != null) {
            try {
                if (csv.getParent() != null) {
                    Files.createDirectories(csv.getParent());
                }
                Files.write(csv, List.of(HEADER), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write MSAM diagnostics to " + csv, e);
            }
        }
    }

    /** @return the rows recorded so far */
    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    @Override
    public void onGradientCalculation(Model model) {
        Net net = Net.of(model);
        int iteration = net.iteration();
        if (!records(iteration)) {
            return;
        }
        SharpnessAwareListener l = SharpnessAware.listener(model);
        if (l == null || !l.rule().needs().contains(Need.BASE_MOMENTUM)) {
            throw new IllegalStateException("MsamDiagnostics needs MSAM: pass it to SharpnessAware.install(net, ...) on "
                    + "a network whose updater is Msam");
        }
        SharpnessRule msam = l.rule();
        NetworkHost host = l.host();
        double dot = 0;
        double gg = 0;
        double vv = 0;
        List<Variable> variables = host.variables();
        for (int i = 0; i < variables.size(); i++) {
            INDArray g = host.gradient(i);
            INDArray v = variables.get(i).momentum();
            if (v == null) {
                continue;
            }
            dot += Norms.dot(v, g);
            gg += Norms.squaredNorm(g);
            vv += Norms.squaredNorm(v);
        }
        double cosine = vv == 0 || gg == 0 ? Double.NaN : dot / Math.sqrt(vv * gg);
        double score = model.score();
        INDArray[] labels = l.labels();
        double tilde = batchLoss(model, labels);
        double theta;
        try (PerturbationScope s = SharpnessAware.unperturbed(model)) {
            theta = batchLoss(model, labels);
        }
        net.setScore(score);
        record(new Row(iteration, net.epoch(), cosine, theta, tilde, Math.sqrt(vv), msam.momentumScale()));
    }

    /** @return true when iteration {@code iteration} is recorded */
    boolean records(int iteration) {
        return iteration % every == 0;
    }

    void record(Row row) {
        rows.add(row);
        if (csv != null) {
            try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND)) {
                w.write(row.csv());
                w.newLine();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write MSAM diagnostics to " + csv, e);
            }
        }
    }

    /**
     * The same record on a SameDiff instance, driven by {@link SameDiffSharpnessAwareListener} (pass this object to
     * {@link SharpnessAware#install(SameDiff, TrainingListener...)}): the losses come from {@code sd.output} at θ and
     * θ̃ before the pass, and the cosine from each variable's gradient and momentum as SameDiff hands the gradient to
     * the updater.
     */
    final class SameDiffRecord {
        private final int iteration;
        private final int epoch;
        private final double lossTheta;
        private double c;
        private double lossThetaTilde;
        private double dot;
        private double gg;
        private double vv;

        SameDiffRecord(int iteration, int epoch, double lossTheta) {
            this.iteration = iteration;
            this.epoch = epoch;
            this.lossTheta = lossTheta;
        }

        /**
         * @param loss the loss at θ̃
         * @param c    the scale of the step's perturbation
         */
        void perturbed(double loss, double c) {
            lossThetaTilde = loss;
            this.c = c;
        }

        void gradient(INDArray g, INDArray v) {
            if (v == null || g == null) {
                return;
            }
            INDArray flat = g.reshape(g.length());
            dot += Norms.dot(v, flat);
            gg += Norms.squaredNorm(flat);
            vv += Norms.squaredNorm(v);
        }

        void done() {
            double cosine = vv == 0 || gg == 0 ? Double.NaN : dot / Math.sqrt(vv * gg);
            record(new Row(iteration, epoch, cosine, lossTheta, lossThetaTilde, Math.sqrt(vv), c));
        }
    }

    private static double batchLoss(Model model, INDArray[] labels) {
        if (labels == null || labels.length == 0 || labels[0] == null) {
            throw new IllegalStateException("MsamDiagnostics found no labels for the mini-batch: it records during "
                    + "fit(...) only, passed to SharpnessAware.install(net, ...)");
        }
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) model;
            org.deeplearning4j.nn.api.Layer out = m.getOutputLayer();
            return m.score(new DataSet(m.getInput(), labels[0], m.getMaskArray(), out.getMaskArray()), false);
        }
        ComputationGraph g = (ComputationGraph) model;
        return g.score(new MultiDataSet(g.getInputs(), labels, g.getInputMaskArrays(), g.getLabelMaskArrays()),
                false);
    }
}
