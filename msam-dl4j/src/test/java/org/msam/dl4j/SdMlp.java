package org.msam.dl4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.msam.reference.Data;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.ListenerResponse;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.listeners.records.LossCurve;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A small MLP written directly in SameDiff, in double precision: placeholders {@code in} and {@code label},
 * variables w0, b0, w1, b1, tanh hidden layer and softmax cross-entropy with mean reduction. Its parameters are
 * handled as one flat vector in the order w0, b0, w1, b1 (each in C order).
 */
final class SdMlp {
    static final int IN = Nets.IN;
    static final int HIDDEN = 6;
    static final int OUT = Nets.OUT;
    static final String[] VARS = {"w0", "b0", "w1", "b1"};
    static final long[][] SHAPES = {{IN, HIDDEN}, {1, HIDDEN}, {HIDDEN, OUT}, {1, OUT}};
    static final int N = IN * HIDDEN + HIDDEN + HIDDEN * OUT + OUT;

    private SdMlp() {
    }

    /**
     * @return DL4J's flat parameters for this network's flat vector (w0, b0, w1, b1 in C order; DL4J keeps W in F
     *     order)
     */
    static double[] toDl4j(double[] sd) {
        return relayout(sd, true);
    }

    /** @return this network's flat layout of a DL4J flat vector ({@link #toDl4j} inverted) */
    static double[] toSd(double[] dl4j) {
        return relayout(dl4j, false);
    }

    private static double[] relayout(double[] x, boolean toDl4j) {
        double[] r = new double[x.length];
        int off = 0;
        for (long[] shape : SHAPES) {
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    int c = off + i * cols + j;
                    int f = off + j * rows + i;
                    if (toDl4j) {
                        r[f] = x[c];
                    } else {
                        r[c] = x[f];
                    }
                }
            }
            off += rows * cols;
        }
        return r;
    }

    /** @return fixed initial weights */
    static double[] initial(long seed) {
        return Data.normal(seed, N, 0.5);
    }

    /** @return the network with weights {@code theta} and no training configuration */
    static SameDiff build(double[] theta) {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("in", DataType.DOUBLE, -1, IN);
        SDVariable label = sd.placeHolder("label", DataType.DOUBLE, -1, OUT);
        SDVariable[] v = new SDVariable[VARS.length];
        int off = 0;
        for (int i = 0; i < VARS.length; i++) {
            long len = SHAPES[i][0] * SHAPES[i][1];
            double[] part = java.util.Arrays.copyOfRange(theta, off, off + (int) len);
            v[i] = sd.var(VARS[i], Nd4j.createFromArray(part).reshape(SHAPES[i]).dup('c'));
            off += len;
        }
        SDVariable h = sd.math.tanh(in.mmul(v[0]).add(v[1]));
        SDVariable logits = h.mmul(v[2]).add("logits", v[3]);
        sd.loss.softmaxCrossEntropy("loss", label, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
        sd.setLossVariables("loss");
        return sd;
    }

    /** @return the network with weights {@code theta}, trained with {@code updater} and coupled L2 {@code l2} */
    static SameDiff build(double[] theta, IUpdater updater, double l2) {
        SameDiff sd = build(theta);
        TrainingConfig.Builder b = TrainingConfig.builder().updater(updater).dataSetFeatureMapping("in")
                .dataSetLabelMapping("label").minimize("loss");
        if (l2 > 0) {
            b.l2(l2);
        }
        sd.setTrainingConfig(b.build());
        return sd;
    }

    /** @return the variables' values as one flat vector */
    static double[] params(SameDiff sd) {
        double[] r = new double[N];
        int off = 0;
        for (String name : VARS) {
            double[] p = sd.getArrForVarName(name).dup('c').reshape(-1).toDoubleVector();
            System.arraycopy(p, 0, r, off, p.length);
            off += p.length;
        }
        return r;
    }

    static void setParams(SameDiff sd, double[] theta) {
        int off = 0;
        for (int i = 0; i < VARS.length; i++) {
            INDArray p = sd.getArrForVarName(VARS[i]);
            int len = (int) p.length();
            p.assign(Nd4j.createFromArray(java.util.Arrays.copyOfRange(theta, off, off + len)).reshape(p.shape()));
            off += len;
        }
    }

    static Map<String, INDArray> placeholders(DataSet ds) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("in", ds.getFeatures());
        ph.put("label", ds.getLabels());
        return ph;
    }

    /** The mean mini-batch loss gradient at given weights, from a separate plain SameDiff instance. */
    static final class Oracle {
        private final SameDiff sd = build(new double[N]);

        double loss(double[] theta, DataSet ds) {
            setParams(sd, theta);
            return sd.output(placeholders(ds), "loss").get("loss").getDouble(0);
        }

        double[] gradient(double[] theta, DataSet ds) {
            setParams(sd, theta);
            Map<String, INDArray> g = sd.calculateGradients(placeholders(ds), VARS);
            double[] r = new double[N];
            int off = 0;
            for (String name : VARS) {
                double[] p = g.get(name).dup('c').reshape(-1).toDoubleVector();
                System.arraycopy(p, 0, r, off, p.length);
                off += p.length;
            }
            return r;
        }
    }

    /** Records the variables at iterationStart, iterationDone and epochEnd. */
    static final class Recorder extends BaseListener {
        final List<double[]> started = new ArrayList<>();
        final List<double[]> done = new ArrayList<>();
        final List<double[]> epochEnds = new ArrayList<>();
        private final SameDiff sd;

        Recorder(SameDiff sd) {
            this.sd = sd;
        }

        @Override
        public boolean isActive(Operation operation) {
            return operation == Operation.TRAINING;
        }

        @Override
        public void iterationStart(SameDiff s, At at, MultiDataSet data, long etlMs) {
            started.add(params(sd));
        }

        @Override
        public void iterationDone(SameDiff s, At at, MultiDataSet dataSet, Loss loss) {
            done.add(params(sd));
        }

        @Override
        public ListenerResponse epochEnd(SameDiff s, At at, LossCurve lossCurve, long epochTimeMillis) {
            epochEnds.add(params(sd));
            return ListenerResponse.CONTINUE;
        }
    }
}
