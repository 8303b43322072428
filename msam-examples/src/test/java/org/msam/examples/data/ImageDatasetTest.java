package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {
    /** 100 images of 1x2x2; image i has all pixels i and label (i * 7) % 5 (20 per class, interleaved). */
    private static ImageDataset numbered() {
        byte[] px = new byte[100 * 4];
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            Arrays.fill(px, i * 4, i * 4 + 4, (byte) i);
            labels[i] = (i * 7) % 5;
        }
        return new ImageDataset(px, labels, 1, 2, 2, Arrays.asList("a", "b", "c", "d", "e"));
    }

    @Test
    void validatesShapeAndLabels() {
        assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(new byte[3], new int[] {0}, 1, 2, 2, Collections.singletonList("a")));
        assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(new byte[4], new int[] {1}, 1, 2, 2, Collections.singletonList("a")));
    }

    @Test
    void firstKeepsOrder() {
        ImageDataset d = numbered().first(10);
        assertEquals(10, d.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i, d.pixel(i, 0, 1, 1));
        }
        assertEquals(100, numbered().first(1000).size());
    }

    @Test
    void firstPerClassTakesTheEarliestOfEachClassInFileOrder() {
        ImageDataset d = numbered().firstPerClass(3);
        assertArrayEquals(new int[] {3, 3, 3, 3, 3}, d.classCounts());
        int[] expected = new int[15];
        for (int i = 0; i < 15; i++) {
            expected[i] = i; // labels (i*7)%5 cycle through all classes every 5 images
        }
        for (int i = 0; i < 15; i++) {
            assertEquals(expected[i], d.pixel(i, 0, 0, 0));
        }
        assertThrows(IllegalArgumentException.class, () -> numbered().firstPerClass(21));
    }

    @Test
    void balancedSubsetIsBalancedSeededAndOrdered() {
        ImageDataset a = numbered().balancedSubset(23, 5);
        assertEquals(23, a.size());
        int[] counts = a.classCounts();
        Arrays.sort(counts);
        assertArrayEquals(new int[] {4, 4, 5, 5, 5}, counts);
        int previous = -1;
        for (int i = 0; i < a.size(); i++) {
            int id = a.pixel(i, 0, 0, 0);
            assertEquals((id * 7) % 5, a.label(i), "labels travel with their images");
            assertEquals(true, id > previous, "original order kept");
            previous = id;
        }
        ImageDataset same = numbered().balancedSubset(23, 5);
        ImageDataset other = numbered().balancedSubset(23, 6);
        assertArrayEquals(ids(a), ids(same));
        assertNotEquals(Arrays.toString(ids(a)), Arrays.toString(ids(other)));
    }

    private static int[] ids(ImageDataset d) {
        int[] out = new int[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.pixel(i, 0, 0, 0);
        }
        return out;
    }
}
