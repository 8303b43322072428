package org.msam.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * The program's arguments for a tiny run on the copy at {@code data}: {@code args}, then each of {@code defaults}
     * (option, value pairs) whose option the args do not give, then the data set options and {@code --no-progress}.
     * The pseudo-option {@code --progress} in {@code args} is taken out and keeps the progress output.
     *
     * @param data     the folder {@link #write} wrote
     * @param args     the command and its options
     * @param defaults option, value, option, value, … for the options a test leaves out
     * @return the arguments
     */
    public static String[] arguments(Path data, String[] args, String... defaults) {
        List<String> a = new ArrayList<>(List.of(args));
        boolean progress = a.remove("--progress");
        List<String> d = new ArrayList<>(List.of(defaults));
        d.addAll(List.of("--dataset", "cifar10", "--data-dir", data.toString()));
        for (int i = 0; i < d.size(); i += 2) {
            if (!a.contains(d.get(i))) {
                a.addAll(d.subList(i, i + 2));
            }
        }
        if (!a.contains("--no-download")) {
            a.add("--no-download");
        }
        if (!progress && !a.contains("--no-progress")) {
            a.add("--no-progress");
        }
        return a.toArray(new String[0]);
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
