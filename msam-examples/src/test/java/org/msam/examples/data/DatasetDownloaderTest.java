package org.msam.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the download path against an HTTP server on the loopback interface serving a CIFAR-10-layout archive. */
class DatasetDownloaderTest {
    private static final CifarVariant V = CifarVariant.CIFAR10;

    @TempDir
    Path cache;

    private HttpServer server;
    private byte[] archive;
    private String md5;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final AtomicInteger downloads = new AtomicInteger();

    @BeforeEach
    void serve() throws Exception {
        int record = 0;
        for (String name : V.files(Split.TRAIN)) {
            files.put(name, TestFiles.cifarRecords(V, TestFiles.cyclicLabels(3, record, 10), record));
            record += 3;
        }
        files.put("test_batch.bin", TestFiles.cifarRecords(V, TestFiles.cyclicLabels(2, 0, 10), 100));
        files.put("batches.meta.txt", String.join("\n", V.classNames()).getBytes("US-ASCII"));
        Map<String, byte[]> entries = new LinkedHashMap<>();
        files.forEach((name, bytes) -> entries.put(V.folderName() + "/" + name, bytes));
        archive = TestFiles.tarGz(Collections.singletonList(V.folderName()), entries);
        md5 = hex(MessageDigest.getInstance("MD5").digest(archive));

        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok/cifar-10-binary.tar.gz", exchange -> {
            downloads.incrementAndGet();
            exchange.sendResponseHeaders(200, archive.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(archive);
            }
        });
        server.createContext("/truncated/cifar-10-binary.tar.gz", exchange -> {
            exchange.sendResponseHeaders(200, archive.length);
            OutputStream out = exchange.getResponseBody();
            out.write(archive, 0, archive.length / 2);
            out.flush();
            // Close the connection before the announced length has been sent.
            try {
                exchange.close();
            } catch (RuntimeException ignored) {
                // the server complains about the missing bytes
            }
        });
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private DatasetDownloader downloader(boolean progress) {
        return new DatasetDownloader(cache, progress).timeouts(5_000, 5_000);
    }

    @Test
    void downloadsVerifiesExtractsAndReusesTheCache() throws IOException {
        DatasetDownloader.Source source = DatasetDownloader.Source.cifar(V, url("/ok/cifar-10-binary.tar.gz"), md5);
        Path dir = downloader(true).ensure(source);
        assertEquals(cache.resolve("cifar-10-batches-bin"), dir);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            assertArrayEquals(f.getValue(), Files.readAllBytes(dir.resolve(f.getKey())), f.getKey());
        }
        assertEquals(Collections.singletonList("cifar-10-batches-bin"), listing(), "no temporary file is left");
        ImageDataset train = CifarReader.read(dir, V, Split.TRAIN);
        assertEquals(15, train.size());

        assertEquals(dir, downloader(false).ensure(source));
        assertEquals(1, downloads.get(), "a complete cache folder is used as it is");

        // The facade's entry point reads from the same cache.
        assertEquals(15, Cifar.load(V, Split.TRAIN, null, cache, false).size());
    }

    @Test
    void md5MismatchLeavesNothingBehind() throws IOException {
        String wrong = "0123456789abcdef0123456789abcdef";
        DatasetDownloader.Source source = DatasetDownloader.Source.cifar(V, url("/ok/cifar-10-binary.tar.gz"), wrong);
        IOException e = assertThrows(IOException.class, () -> downloader(false).ensure(source));
        String m = e.getMessage();
        assertTrue(m.contains("MD5 mismatch"), m);
        assertTrue(m.contains(wrong) && m.contains(md5), m);
        assertTrue(m.contains("--data-dir"), m);
        assertEquals(Collections.emptyList(), listing());
    }

    @Test
    void http404IsReportedWithTheAddress() throws IOException {
        DatasetDownloader.Source source = DatasetDownloader.Source.cifar(V, url("/nowhere/cifar-10-binary.tar.gz"), md5);
        IOException e = assertThrows(IOException.class, () -> downloader(false).ensure(source));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertTrue(e.getMessage().contains(source.url()), e.getMessage());
        assertEquals(Collections.emptyList(), listing());
    }

    @Test
    void truncatedBodyIsRejectedAndALaterRunStartsAfresh() throws IOException {
        DatasetDownloader.Source broken = DatasetDownloader.Source.cifar(V, url("/truncated/cifar-10-binary.tar.gz"),
                md5);
        IOException e = assertThrows(IOException.class, () -> downloader(false).ensure(broken));
        assertTrue(e.getMessage().contains(broken.url()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("broke off"), e.getMessage());
        assertEquals(Collections.emptyList(), listing());

        DatasetDownloader.Source good = DatasetDownloader.Source.cifar(V, url("/ok/cifar-10-binary.tar.gz"), md5);
        assertTrue(Files.isDirectory(downloader(false).ensure(good)));
    }

    @Test
    void halfWrittenTemporaryFilesAreNeverTrusted() throws IOException {
        // Left-overs of an interrupted run: a partial download under the temporary name, one under the archive's
        // own name, and a partial extraction.
        Path part = cache.resolve(".cifar-10-binary.tar.gz.123.part");
        Files.write(part, java.util.Arrays.copyOf(archive, archive.length / 3));
        Files.setLastModifiedTime(part, FileTime.from(Instant.now().minus(DatasetDownloader.STALE_AFTER).minusSeconds(60)));
        Files.write(cache.resolve("cifar-10-binary.tar.gz"), java.util.Arrays.copyOf(archive, 100));
        Path extract = cache.resolve(".cifar-10-batches-bin.extract-456").resolve("cifar-10-batches-bin");
        Files.createDirectories(extract);
        Files.write(extract.resolve("data_batch_1.bin"), new byte[10]);
        Files.setLastModifiedTime(extract.getParent(),
                FileTime.from(Instant.now().minus(DatasetDownloader.STALE_AFTER).minusSeconds(60)));

        DatasetDownloader.Source source = DatasetDownloader.Source.cifar(V, url("/ok/cifar-10-binary.tar.gz"), md5);
        Path dir = downloader(false).ensure(source);
        assertEquals(1, downloads.get(), "downloaded again instead of using a partial file");
        assertArrayEquals(files.get("data_batch_1.bin"), Files.readAllBytes(dir.resolve("data_batch_1.bin")));
        assertFalse(Files.exists(part), "stale temporary download removed");
        assertFalse(Files.exists(extract.getParent()), "stale temporary extraction removed");
    }

    @Test
    void anIncompleteCacheFolderIsReportedWithTheFix() throws IOException {
        Files.createDirectories(cache.resolve("cifar-10-batches-bin"));
        DatasetDownloader.Source source = DatasetDownloader.Source.cifar(V, url("/ok/cifar-10-binary.tar.gz"), md5);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> downloader(false).ensure(source));
        assertTrue(e.getMessage().contains("Fix: delete " + cache.resolve("cifar-10-batches-bin")), e.getMessage());
        assertEquals(0, downloads.get());
    }

    @Test
    void archiveWithoutTheExpectedLayoutIsRejected() throws Exception {
        byte[] wrong = TestFiles.tarGz(Collections.emptyList(),
                Collections.singletonMap("other/data_batch_1.bin", new byte[3073]));
        server.createContext("/wrong/cifar-10-binary.tar.gz", exchange -> {
            exchange.sendResponseHeaders(200, wrong.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(wrong);
            }
        });
        DatasetDownloader.Source source = DatasetDownloader.Source.cifar(V, url("/wrong/cifar-10-binary.tar.gz"),
                hex(MessageDigest.getInstance("MD5").digest(wrong)));
        IOException e = assertThrows(IOException.class, () -> downloader(false).ensure(source));
        assertTrue(e.getMessage().contains("expected layout"), e.getMessage());
        assertEquals(Collections.emptyList(), listing());
    }

    @Test
    void officialSourcesCarryThePublishedAddressesAndChecksums() {
        DatasetDownloader.Source c10 = DatasetDownloader.Source.cifar(CifarVariant.CIFAR10);
        assertEquals("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", c10.url());
        assertEquals("c32a1d4ab5d03f1284b67883e8d87530", c10.md5());
        DatasetDownloader.Source c100 = DatasetDownloader.Source.cifar(CifarVariant.CIFAR100);
        assertEquals("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", c100.url());
        assertEquals("03b5dce01913d631647c71ecec9e9cb8", c100.md5());
        assertEquals("cifar-100-binary", c100.folderName());
        assertEquals(java.util.Arrays.asList("train.bin", "test.bin"), c100.requiredFiles());
        assertThrows(IllegalArgumentException.class, () -> new DatasetDownloader.Source("x", "nope", "f",
                Collections.emptyList()));
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("cifar-10-binary.tar.gz"))
                    .sorted().collect(Collectors.toList());
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
