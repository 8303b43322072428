package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.Main;

/**
 * {@code train --dataset cifar10} without {@code --data-dir}, end to end: the program downloads the archive (from
 * an HTTP server on the loopback interface, through the address override) into the cache, checks and extracts it,
 * trains, and reuses the cache on the next run, also with {@code --no-download}.
 */
class CliDownloadTest {
    private static final CifarVariant V = CifarVariant.CIFAR10;
    private static final String[] PROPERTIES = {DatasetDownloader.CACHE_DIR_PROPERTY, "msam.cifar10.url",
        "msam.cifar10.md5"};

    @TempDir
    Path dir;
    private HttpServer server;
    private final Map<String, String> saved = new LinkedHashMap<>();

    @AfterEach
    void restore() {
        if (server != null) {
            server.stop(0);
        }
        for (String p : PROPERTIES) {
            if (saved.get(p) == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, saved.get(p));
            }
        }
    }

    private int[] run(StringBuilder err, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new int[] {code};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            err.append(e.toString(StandardCharsets.UTF_8)).append(o.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void trainWithoutDataDirDownloadsIntoTheCache() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (String name : V.files(Split.TRAIN)) {
            entries.put(V.folderName() + "/" + name, TestFiles.cifarRecords(V, TestFiles.cyclicLabels(10, 0, 10), 0));
        }
        entries.put(V.folderName() + "/test_batch.bin", TestFiles.cifarRecords(V, TestFiles.cyclicLabels(10, 0, 10), 0));
        byte[] archive = TestFiles.tarGz(Collections.singletonList(V.folderName()), entries);
        StringBuilder md5 = new StringBuilder();
        for (byte b : MessageDigest.getInstance("MD5").digest(archive)) {
            md5.append(String.format("%02x", b));
        }
        AtomicInteger downloads = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", exchange -> {
            downloads.incrementAndGet();
            exchange.sendResponseHeaders(200, archive.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(archive);
            }
        });
        server.start();
        for (String p : PROPERTIES) {
            saved.put(p, System.getProperty(p));
        }
        Path cache = dir.resolve("cache");
        System.setProperty(DatasetDownloader.CACHE_DIR_PROPERTY, cache.toString());
        System.setProperty("msam.cifar10.url",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
        System.setProperty("msam.cifar10.md5", md5.toString());

        String[] args = {"train", "--dataset", "cifar10", "--model", "mlp", "--optimizer", "sgd", "--epochs", "1",
            "--batch-size", "8", "--max-batches", "1", "--test-subset", "8", "--no-progress", "--output",
            dir.resolve("run1").toString()};
        StringBuilder log = new StringBuilder();
        assertEquals(0, run(log, args)[0], log.toString());
        assertEquals(1, downloads.get());
        assertTrue(Files.isRegularFile(cache.resolve(V.folderName()).resolve("data_batch_5.bin")));

        args[args.length - 1] = dir.resolve("run2").toString();
        String[] noDownload = java.util.Arrays.copyOf(args, args.length + 1);
        noDownload[args.length] = "--no-download";
        StringBuilder log2 = new StringBuilder();
        assertEquals(0, run(log2, noDownload)[0], log2.toString());
        assertEquals(1, downloads.get(), "the cache is reused");
    }
}
