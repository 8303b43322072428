package org.msam.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The mean mini-batch loss gradient at given weights, in double precision, from a DOUBLE copy of the network
 * (no updater, no regularization involved): what the reference optimizers of docs/ALGORITHMS.md consume.
 */
final class Oracle {
    private final Model net;

    Oracle(Model doubleNet) {
        this.net = doubleNet;
    }

    /** @return the mean gradient of the loss over {@code ds} at weights {@code theta} */
    double[] gradient(double[] theta, DataSet ds) {
        net.setParams(Nd4j.createFromArray(theta).reshape(1, theta.length).castTo(DataType.DOUBLE));
        DataSet d = new DataSet(ds.getFeatures().castTo(DataType.DOUBLE), ds.getLabels().castTo(DataType.DOUBLE));
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            m.setInput(d.getFeatures());
            m.setLabels(d.getLabels());
            m.computeGradientAndScore();
        } else {
            ComputationGraph g = (ComputationGraph) net;
            g.setInputs(d.getFeatures());
            g.setLabels(d.getLabels());
            g.computeGradientAndScore();
        }
        double[] g = net.gradient().gradient().toDoubleVector();
        int n = ds.numExamples();
        for (int i = 0; i < g.length; i++) {
            g[i] /= n;
        }
        return g;
    }

    /** @return the loss of each sample of {@code ds} at weights {@code theta} (DL4J's scoreExamples, inference mode) */
    double[] sampleLosses(double[] theta, DataSet ds) {
        net.setParams(Nd4j.createFromArray(theta).reshape(1, theta.length).castTo(DataType.DOUBLE));
        DataSet d = new DataSet(ds.getFeatures().castTo(DataType.DOUBLE), ds.getLabels().castTo(DataType.DOUBLE));
        return (net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).scoreExamples(d, false)
                : ((ComputationGraph) net).scoreExamples(d, false)).toDoubleVector();
    }

    /** @return the mean loss over {@code ds} at weights {@code theta} */
    double score(double[] theta, DataSet ds) {
        gradient(theta, ds);
        return net.score();
    }
}
