package org.msam.examples.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Makes the Fashion-MNIST files shipped in this module from the official ones: the first
 * {@value FashionMnist#EMBEDDED_TRAIN_PER_CLASS} training images of each class in file order (10,000 images),
 * and the full test set, written as gzip'ed IDX files. Uses only the JDK and this package, so it runs
 * straight from the compiled classes:
 *
 * <pre>
 * mvn -B -q -pl msam-examples -am compile
 * java -cp msam-examples/target/classes org.msam.examples.data.FashionMnistSubset \
 *     /usr/share/datasets/fashion-mnist msam-examples/src/main/resources/org/msam/examples/data/fashion-mnist
 * </pre>
 */
public final class FashionMnistSubset {
    private FashionMnistSubset() {
    }

    /**
     * Runs the tool.
     *
     * @param args source folder (official files) and output folder
     * @throws IOException if reading or writing fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("Usage: FashionMnistSubset <folder with the official files> <output folder>");
            System.exit(2);
        }
        for (Path p : make(Paths.get(args[0]), Paths.get(args[1]), FashionMnist.EMBEDDED_TRAIN_PER_CLASS)) {
            System.out.println(sha256(p) + "  " + p.getFileName() + "  (" + Files.size(p) + " bytes)");
        }
    }

    /**
     * Writes the subset files.
     *
     * @param source   folder with the official files
     * @param out      output folder (created if absent)
     * @param perClass training images kept per class
     * @return the four files written
     * @throws IOException if reading or writing fails
     */
    public static Path[] make(Path source, Path out, int perClass) throws IOException {
        Files.createDirectories(out);
        ImageDataset train = FashionMnist.fromDirectory(source, Split.TRAIN).firstPerClass(perClass);
        ImageDataset test = FashionMnist.fromDirectory(source, Split.TEST);
        Path[] files = {
            out.resolve("train-images-idx3-ubyte.gz"), out.resolve("train-labels-idx1-ubyte.gz"),
            out.resolve("t10k-images-idx3-ubyte.gz"), out.resolve("t10k-labels-idx1-ubyte.gz")};
        IdxWriter.writeDataset(train, files[0], files[1], true);
        IdxWriter.writeDataset(test, files[2], files[3], true);
        return files;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : digest.digest()) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }
}
