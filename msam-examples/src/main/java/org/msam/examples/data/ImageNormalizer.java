package org.msam.examples.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Normalises NCHW image features holding raw values in {@code [0, 255]} to {@code (v / 255 − mean[c]) / std[c]}
 * per channel, in place, for iterators (such as DataVec's) that produce raw pixel values.
 */
public final class ImageNormalizer implements DataSetPreProcessor {
    private static final long serialVersionUID = 1L;

    /** Per-channel mean in raw units ({@code 255 · mean}). */
    private final double[] mean;
    /** Per-channel deviation in raw units ({@code 255 · std}). */
    private final double[] std;

    /**
     * Creates the pre-processor.
     *
     * @param stats per-channel statistics in {@code [0, 1]} units, in the features' channel order
     */
    public ImageNormalizer(ChannelStats stats) {
        this.mean = new double[stats.channels()];
        this.std = new double[stats.channels()];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = stats.mean(c) * 255.0;
            std[c] = stats.std(c) * 255.0;
        }
    }

    @Override
    public void preProcess(DataSet dataSet) {
        INDArray f = dataSet.getFeatures();
        if (f.rank() != 4 || f.size(1) != mean.length) {
            throw new IllegalArgumentException("Expected NCHW features with " + mean.length + " channels, got shape "
                    + java.util.Arrays.toString(f.shape()));
        }
        if (f.dataType() != DataType.FLOAT) {
            f = f.castTo(DataType.FLOAT);
        }
        INDArray m = Nd4j.createFromArray(mean).castTo(f.dataType());
        INDArray s = Nd4j.createFromArray(std).castTo(f.dataType());
        Broadcast.sub(f, m, f, 1);
        Broadcast.div(f, s, f, 1);
        dataSet.setFeatures(f);
    }
}
