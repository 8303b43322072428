package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class ImageDataSetIteratorTest {
    private static final ChannelStats STATS3 = new ChannelStats(new double[] {0.4, 0.5, 0.6},
            new double[] {0.2, 0.25, 0.3});
    /** The CIFAR recipe scaled to 8x8 test images. */
    static final Augmentation SMALL = Augmentation.builder().padding(2).horizontalFlip(true).cutout(4).build();

    /** Straightforward re-implementation of the documented augmentation, drawing from {@code r} in order. */
    private static float[] reference(ImageDataset d, int index, ChannelStats s, Augmentation a, Random r) {
        int c = d.channels();
        int h = d.height();
        int w = d.width();
        int p = a.padding();
        int[][][] padded = new int[c][h + 2 * p][w + 2 * p];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    padded[ch][y + p][x + p] = d.pixel(index, ch, y, x);
                }
            }
        }
        int top = p;
        int left = p;
        boolean flip = false;
        if (r != null) {
            if (p > 0) {
                top = r.nextInt(2 * p + 1);
                left = r.nextInt(2 * p + 1);
            }
            if (a.horizontalFlip()) {
                flip = r.nextBoolean();
            }
        }
        float[] out = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int cropX = flip ? w - 1 - x : x;
                    int v = padded[ch][y + top][cropX + left];
                    out[(ch * h + y) * w + x] = (float) ((v / 255.0 - s.mean(ch)) / s.std(ch));
                }
            }
        }
        if (r != null && a.cutout() > 0) {
            int cy = r.nextInt(h);
            int cx = r.nextInt(w);
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        if (y >= cy - a.cutout() / 2 && y < cy + a.cutout() / 2 && x >= cx - a.cutout() / 2
                                && x < cx + a.cutout() / 2) {
                            out[(ch * h + y) * w + x] = 0f;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static float[] features(DataSet ds, int example) {
        return ds.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(example)).dup().data().asFloat();
    }

    @Test
    void withoutAugmentationBatchesAreNormalisedInFileOrder() {
        ImageDataset d = TestFiles.randomDataset(10, 3, 5, 6, 3, 1);
        ImageDataSetIterator it = ImageDataSetIterator.builder(d, 4).stats(STATS3).build();
        assertEquals(3, it.batchesPerEpoch());
        assertEquals(90, it.inputColumns());
        assertEquals(3, it.totalOutcomes());
        assertTrue(it.resetSupported());
        assertTrue(it.asyncSupported());
        int seen = 0;
        int[] sizes = {4, 4, 2};
        for (int b = 0; b < 3; b++) {
            assertTrue(it.hasNext());
            DataSet ds = it.next();
            assertEquals(DataType.FLOAT, ds.getFeatures().dataType());
            assertArrayEquals(new long[] {sizes[b], 3, 5, 6}, ds.getFeatures().shape());
            assertArrayEquals(new long[] {sizes[b], 3}, ds.getLabels().shape());
            for (int j = 0; j < sizes[b]; j++) {
                assertArrayEquals(reference(d, seen, STATS3, Augmentation.none(), null), features(ds, j));
                float[] label = ds.getLabels().getRow(j).dup().data().asFloat();
                float[] expected = new float[3];
                expected[d.label(seen)] = 1f;
                assertArrayEquals(expected, label);
                seen++;
            }
        }
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void augmentedBatchesMatchTheDocumentedRecipeAcrossEpochs() {
        ImageDataset d = TestFiles.randomDataset(11, 3, 8, 8, 4, 2);
        Augmentation a = Augmentation.builder().padding(2).horizontalFlip(true).cutout(3).build();
        long seed = 11;
        ImageDataSetIterator it = ImageDataSetIterator.builder(d, 4).stats(STATS3).augmentation(a).shuffle(true)
                .seed(seed).build();
        for (int epoch = 0; epoch < 2; epoch++) {
            it.reset();
            assertEquals(epoch, it.epoch());
            int[] order = ImageDataset.shuffledRange(11, Seeds.random(seed, epoch));
            int pos = 0;
            for (int b = 0; it.hasNext(); b++) {
                DataSet ds = it.next();
                Random r = Seeds.random(seed, epoch, b);
                for (int j = 0; j < ds.numExamples(); j++) {
                    int idx = order[pos++];
                    assertArrayEquals(reference(d, idx, STATS3, a, r), features(ds, j), "epoch " + epoch + " batch " + b);
                    assertEquals(1f, ds.getLabels().getFloat(j, d.label(idx)));
                }
            }
            assertEquals(11, pos);
        }
    }

    @Test
    void cifarAugmentationDrawsCropsFlipsAndCutoutsOverTheirWholeRange() {
        // One constant-255 image: a pixel is "padding" if it equals the padded value, "cutout" if 0.
        byte[] px = new byte[3 * 32 * 32];
        Arrays.fill(px, (byte) 255);
        ImageDataset one = new ImageDataset(px, new int[] {0}, 3, 32, 32, Arrays.asList("a", "b"));
        ImageDataset many = one.select(new int[400]);
        ChannelStats s = new ChannelStats(new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5});
        ImageDataSetIterator it = ImageDataSetIterator.builder(many, 400).stats(s).augmentation(Augmentation.cifar())
                .seed(3).build();
        INDArray f = it.next().getFeatures();
        int maxCut = 0;
        int minCut = Integer.MAX_VALUE;
        boolean paddedSeen = false;
        for (int j = 0; j < 400; j++) {
            float[] img = f.get(org.nd4j.linalg.indexing.NDArrayIndex.point(j)).dup().data().asFloat();
            int cut = 0;
            for (float v : img) {
                if (v == 0f) {
                    cut++;
                } else if (v == -1f) {
                    paddedSeen = true;
                } else {
                    assertEquals(1f, v);
                }
            }
            maxCut = Math.max(maxCut, cut);
            minCut = Math.min(minCut, cut);
        }
        assertTrue(paddedSeen, "zero padding appears as -mean/std");
        assertEquals(3 * 16 * 16, maxCut, "a full 16x16 square when the centre is far from the borders");
        assertTrue(minCut < 3 * 16 * 16 && minCut >= 3 * 8 * 8, "clipped at the borders: " + minCut);
    }

    @Test
    void sameSeedSameBatchesOtherSeedOtherBatches() {
        ImageDataset d = TestFiles.randomDataset(20, 3, 8, 8, 4, 3);
        ImageDataSetIterator a = ImageDataSetIterator.builder(d, 8).stats(STATS3).augmentation(SMALL)
                .shuffle(true).seed(7).build();
        ImageDataSetIterator b = ImageDataSetIterator.builder(d, 8).stats(STATS3).augmentation(SMALL)
                .shuffle(true).seed(7).build();
        ImageDataSetIterator c = ImageDataSetIterator.builder(d, 8).stats(STATS3).augmentation(SMALL)
                .shuffle(true).seed(8).build();
        DataSet x = a.next();
        DataSet y = b.next();
        assertEquals(x.getFeatures(), y.getFeatures());
        assertEquals(x.getLabels(), y.getLabels());
        assertNotEquals(x.getFeatures(), c.next().getFeatures());
    }

    @Test
    void resetAdvancesTheEpochOnlyAfterABatchWasTaken() {
        ImageDataset d = TestFiles.randomDataset(12, 1, 2, 2, 3, 4);
        ImageDataSetIterator it = ImageDataSetIterator.builder(d, 5).stats(new ChannelStats(new double[] {0},
                new double[] {1})).shuffle(true).seed(1).build();
        it.reset();
        assertEquals(0, it.epoch());
        INDArray first = it.next().getFeatures();
        it.reset();
        assertEquals(1, it.epoch());
        INDArray second = it.next().getFeatures();
        assertNotEquals(first, second, "a new permutation every epoch");
        it.setEpoch(0);
        assertEquals(first, it.next().getFeatures());
        ImageDataSetIterator resumed = ImageDataSetIterator.builder(d, 5).stats(new ChannelStats(new double[] {0},
                new double[] {1})).shuffle(true).seed(1).startEpoch(1).build();
        assertEquals(second, resumed.next().getFeatures());
    }

    @Test
    void maxBatchesDropLastAndNextNum() {
        ImageDataset d = TestFiles.randomDataset(10, 1, 2, 2, 2, 5);
        ChannelStats s = new ChannelStats(new double[] {0}, new double[] {1});
        ImageDataSetIterator limited = ImageDataSetIterator.builder(d, 3).stats(s).maxBatches(2).build();
        assertEquals(2, count(limited));
        limited.reset();
        assertEquals(2, count(limited), "the limit applies to every epoch");
        assertEquals(3, count(ImageDataSetIterator.builder(d, 3).stats(s).dropLast(true).build()));
        assertEquals(4, count(ImageDataSetIterator.builder(d, 3).stats(s).build()));
        ImageDataSetIterator it = ImageDataSetIterator.builder(d, 3).stats(s).build();
        assertEquals(7, it.next(7).numExamples());
        assertEquals(3, it.next(7).numExamples());
        assertFalse(it.hasNext());
        assertThrows(IllegalArgumentException.class, () -> ImageDataSetIterator.builder(d, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataSetIterator.builder(d, 3).labelSmoothing(1.0));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataSetIterator.builder(d, 3).stats(STATS3).build());
    }

    private static int count(ImageDataSetIterator it) {
        int n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        return n;
    }

    @Test
    void labelSmoothingWithMcxentEqualsPyTorchLabelSmoothing() {
        ImageDataset d = TestFiles.randomDataset(6, 1, 2, 2, 5, 6);
        double eps = 0.1;
        DataSet ds = ImageDataSetIterator.builder(d, 6).stats(new ChannelStats(new double[] {0}, new double[] {1}))
                .labelSmoothing(eps).build().next();
        INDArray labels = ds.getLabels();
        for (int j = 0; j < 6; j++) {
            assertEquals(1.0, labels.getRow(j).sumNumber().doubleValue(), 1e-6);
            assertEquals(1 - eps + eps / 5, labels.getDouble(j, d.label(j)), 1e-7);
            assertEquals(eps / 5, labels.getDouble(j, (d.label(j) + 1) % 5), 1e-7);
        }
        INDArray logits = Nd4j.rand(DataType.FLOAT, 6, 5).muli(4).subi(2);
        double dl4j = new LossMCXENT().computeScore(labels, logits.dup(), new ActivationSoftmax(), null, true);
        // PyTorch: CrossEntropyLoss(label_smoothing=eps) = mean_i [(1-eps) * nll_i + eps * mean_k(-log p_ik)]
        double torch = 0;
        for (int j = 0; j < 6; j++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < 5; k++) {
                max = Math.max(max, logits.getDouble(j, k));
            }
            double z = 0;
            for (int k = 0; k < 5; k++) {
                z += Math.exp(logits.getDouble(j, k) - max);
            }
            double meanNegLog = 0;
            for (int k = 0; k < 5; k++) {
                meanNegLog += -(logits.getDouble(j, k) - max - Math.log(z)) / 5;
            }
            double nll = -(logits.getDouble(j, d.label(j)) - max - Math.log(z));
            torch += ((1 - eps) * nll + eps * meanNegLog) / 6;
        }
        assertEquals(torch, dl4j, 1e-5);
    }

    @Test
    void dl4jAsyncIteratorOverOurIteratorGivesTheSameBatches() {
        ImageDataset d = TestFiles.randomDataset(37, 3, 8, 8, 4, 9);
        ImageDataSetIterator reference = ImageDataSetIterator.builder(d, 8).stats(STATS3)
                .augmentation(SMALL).shuffle(true).seed(5).build();
        ImageDataSetIterator base = ImageDataSetIterator.builder(d, 8).stats(STATS3)
                .augmentation(SMALL).shuffle(true).seed(5).build();
        // As MultiLayerNetwork.fit does: queue of 2, workspace on. Batches are compared as they arrive
        // (workspace arrays are reused once the queue wraps around).
        AsyncDataSetIterator async = new AsyncDataSetIterator(base, 2, true);
        try {
            for (int epoch = 0; epoch < 2; epoch++) {
                int n = 0;
                while (async.hasNext()) {
                    DataSet got = async.next();
                    assertEquals(reference.next().getFeatures(), got.getFeatures(), "epoch " + epoch);
                    n++;
                }
                assertEquals(5, n);
                async.reset();
                reference.reset();
            }
            assertEquals(2, base.epoch());
        } finally {
            async.shutdown();
        }
    }

    @Test
    void multiLayerNetworkFitRunsEpochsWithFreshOrders() {
        ImageDataset d = TestFiles.randomDataset(24, 3, 4, 4, 3, 10);
        ImageDataSetIterator it = ImageDataSetIterator.builder(d, 8).stats(STATS3).shuffle(true).seed(1).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        List<Integer> epochs = new ArrayList<>();
        net.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void onEpochStart(org.deeplearning4j.nn.api.Model model) {
                epochs.add(it.epoch());
            }
        });
        net.fit(it, 3);
        assertEquals(3, net.getEpochCount());
        assertEquals(Arrays.asList(0, 1, 2), epochs, "each fit() epoch sees the next iterator epoch");
        assertEquals(2, it.epoch());
        assertFalse(it.hasNext());
    }
}
