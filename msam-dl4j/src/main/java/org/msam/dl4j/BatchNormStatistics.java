package org.msam.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

/** Recomputes BatchNormalization running statistics at the weights the model holds. */
final class BatchNormStatistics {
    private BatchNormStatistics() {
    }

    static boolean present(Net net) {
        for (Layer l : net.layers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                return true;
            }
        }
        return false;
    }

    /**
     * One forward/backward pass in training mode on {@code ds}, then only the parameters with a NoOp updater
     * (BatchNorm running statistics; frozen layers, whose update is zero) take their step.
     */
    static void update(NetworkHost host, DataSet ds) {
        Net net = host.net;
        if (net.model instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net.model;
            m.setInput(ds.getFeatures());
            m.setLabels(ds.getLabels());
            m.setLayerMaskArrays(ds.getFeaturesMaskArray(), ds.getLabelsMaskArray());
        } else {
            ComputationGraph g = (ComputationGraph) net.model;
            g.setInputs(ds.getFeatures());
            g.setLabels(ds.getLabels());
            g.setLayerMaskArrays(ds.getFeaturesMaskArray() == null ? null : new INDArray[] {ds.getFeaturesMaskArray()},
                    ds.getLabelsMaskArray() == null ? null : new INDArray[] {ds.getLabelsMaskArray()});
        }
        net.computeGradientAndScore();
        host.stepNoOpParameters();
        if (net.model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net.model).clearLayerMaskArrays();
        } else {
            ((ComputationGraph) net.model).clearLayerMaskArrays();
        }
    }
}
