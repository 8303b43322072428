package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChannelStatsTest {
    @Test
    void computesPopulationStatisticsPerChannel() {
        // Two 2-channel 1x2 images: channel 0 values {0, 255, 255, 255}, channel 1 all 51.
        byte[] px = {0, (byte) 255, 51, 51, (byte) 255, (byte) 255, 51, 51};
        ImageDataset d = new ImageDataset(px, new int[] {0, 0}, 2, 1, 2, Arrays.asList("x"));
        ChannelStats s = ChannelStats.compute(d);
        assertEquals(0.75, s.mean(0), 1e-12);
        assertEquals(Math.sqrt(0.75 * 0.25), s.std(0), 1e-12);
        assertEquals(0.2, s.mean(1), 1e-12);
        assertEquals(1.0 / 255, s.std(1), 1e-12, "a constant channel gets a non-zero deviation");
    }

    @Test
    void lookupTableNormalises() {
        ChannelStats s = new ChannelStats(new double[] {0.5}, new double[] {0.25});
        float[] t = s.lookupTable();
        assertEquals(-2f, t[0], 1e-6);
        assertEquals(2f, t[255], 1e-6);
        assertEquals((100 / 255.0 - 0.5) / 0.25, t[100], 1e-6);
    }

    @Test
    void publishedConstantsHaveThreeChannels() {
        assertEquals(3, ChannelStats.CIFAR10.channels());
        assertEquals(3, ChannelStats.CIFAR100.channels());
        assertEquals(0.4914, ChannelStats.CIFAR10.mean(0), 1e-4);
        assertEquals(0.2762, ChannelStats.CIFAR100.std(2), 1e-4);
        assertEquals(ChannelStats.CIFAR10, CifarVariant.CIFAR10.stats());
        assertEquals(ChannelStats.CIFAR100, CifarVariant.CIFAR100.stats());
    }

    @Test
    void rejectsInvalidValues() {
        assertThrows(IllegalArgumentException.class, () -> new ChannelStats(new double[] {0}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new ChannelStats(new double[] {0, 0}, new double[] {1}));
    }
}
