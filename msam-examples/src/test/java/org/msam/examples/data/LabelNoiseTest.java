package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.msam.examples.train.DataSource;
import org.msam.examples.train.RunConfig;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class LabelNoiseTest {
    private static ImageDataset data(int n, int classes) {
        Random r = new Random(3);
        int[] labels = new int[n];
        byte[] pixels = new byte[n * 4];
        r.nextBytes(pixels);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("c" + c);
        }
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(classes);
        }
        return new ImageDataset(pixels, labels, 1, 2, 2, names);
    }

    private static int differing(int[] a, int[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] != b[i] ? 1 : 0;
        }
        return d;
    }

    @Test
    void replacesExactlyTheFractionByOtherClasses() {
        ImageDataset clean = data(1000, 10);
        for (double p : new double[] {0.1, 0.25, 0.333, 1.0}) {
            for (long seed : new long[] {1, 2, 99}) {
                ImageDataset noisy = LabelNoise.apply(clean, p, seed);
                assertEquals(Math.round(p * 1000), differing(clean.labels(), noisy.labels()), "p " + p + " seed " + seed);
                assertEquals(clean.pixel(7, 0, 1, 1), noisy.pixel(7, 0, 1, 1));
            }
        }
        assertSame(clean, LabelNoise.apply(clean, 0, 5));
    }

    @Test
    void isReproducibleAndDependsOnTheSeed() {
        ImageDataset clean = data(500, 3);
        int[] a = LabelNoise.apply(clean, 0.2, 7).labels();
        assertArrayEquals(a, LabelNoise.apply(clean, 0.2, 7).labels());
        assertFalse(Arrays.equals(a, LabelNoise.apply(clean, 0.2, 8).labels()));
        // the new classes are spread over the other classes: with 3 classes both others occur
        int up = 0;
        int down = 0;
        int[] y = clean.labels();
        for (int i = 0; i < y.length; i++) {
            up += a[i] == (y[i] + 1) % 3 ? 1 : 0;
            down += a[i] == (y[i] + 2) % 3 ? 1 : 0;
        }
        assertEquals(100, up + down);
        assertTrue(up > 30 && down > 30, up + " / " + down);
    }

    @Test
    void refusesBadFractions() {
        ImageDataset clean = data(10, 2);
        for (double p : new double[] {-0.1, 1.5, Double.NaN}) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> LabelNoise.apply(clean, p, 1));
            assertTrue(e.getMessage().contains("--label-noise must be in [0, 1]"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> LabelNoise.apply(data(10, 1), 0.5, 1));
    }

    private static List<int[]> labels(DataSetIterator it) {
        List<int[]> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet ds = it.next();
            out.add(ds.getLabels().argMax(1).toIntVector());
        }
        return out;
    }

    @Test
    void dataSourceAppliesItToTheTrainingSetOnly() throws Exception {
        RunConfig clean = new RunConfig();
        clean.trainSubset = 200;
        clean.testSubset = 100;
        clean.batchSize = 50;
        RunConfig noisy = clean.copy();
        noisy.labelNoise = 0.25;
        noisy.labelNoiseSeed = 4;
        assertTrue(noisy.problems().isEmpty(), noisy.problems().toString());
        DataSource a = DataSource.load(clean);
        DataSource b = DataSource.load(noisy);
        List<int[]> ta = labels(a.test());
        List<int[]> tb = labels(b.test());
        for (int i = 0; i < ta.size(); i++) {
            assertArrayEquals(ta.get(i), tb.get(i));
        }
        List<int[]> ra = labels(a.trainPlain());
        List<int[]> rb = labels(b.trainPlain());
        int d = 0;
        for (int i = 0; i < ra.size(); i++) {
            d += differing(ra.get(i), rb.get(i));
        }
        assertEquals(50, d);
        noisy.labelNoise = 1.5;
        assertTrue(noisy.problems().toString().contains("--label-noise must be in [0, 1]"));
    }
}
