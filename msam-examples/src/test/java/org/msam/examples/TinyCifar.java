package org.msam.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes a tiny CIFAR-10 copy in the official binary layout, with a class-dependent signal to learn. */
public final class TinyCifar {
    private TinyCifar() {
    }

    /**
     * @param dir       folder to write data_batch_1..5.bin and test_batch.bin into
     * @param perFile   records per training file
     * @param testCount test records
     * @return dir
     */
    public static Path write(Path dir, int perFile, int testCount) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(42);
        for (int f = 1; f <= 5; f++) {
            Files.write(dir.resolve("data_batch_" + f + ".bin"), records(r, perFile));
        }
        Files.write(dir.resolve("test_batch.bin"), records(r, testCount));
        return dir;
    }

    private static byte[] records(Random r, int n) {
        byte[] b = new byte[n * 3073];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            b[i * 3073] = (byte) label;
            for (int p = 0; p < 3072; p++) {
                int channel = p / 1024;
                int base = 40 + 18 * label + 30 * channel;
                b[i * 3073 + 1 + p] = (byte) Math.max(0, Math.min(255, base + r.nextInt(60)));
            }
        }
        return b;
    }
}
