package org.msam.examples.models;

import java.util.Map;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global average pooling over tokens: {@code [minibatch, tokens, size]} (recurrent NWC input) to
 * {@code [minibatch, size]} (feed-forward output), with no parameters. DL4J's {@code GlobalPoolingLayer} pools
 * recurrent input over the last axis (NCW) only and reports a recurrent output type, hence this layer.
 */
public final class TokenAveragePooling extends VitLayer {

    /** Creates the layer (also used by JSON). */
    public TokenAveragePooling() {
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        // no parameters
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        return x.mean(1);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeRecurrent)
                || ((InputType.InputTypeRecurrent) inputType).getFormat() != RNNFormat.NWC) {
            throw new IllegalArgumentException("TokenAveragePooling '" + getLayerName()
                    + "' expects tokens as recurrent NWC input, got " + inputType);
        }
        return InputType.feedForward(((InputType.InputTypeRecurrent) inputType).getSize());
    }
}
