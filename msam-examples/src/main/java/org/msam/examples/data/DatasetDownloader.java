package org.msam.examples.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Downloads a {@code .tar.gz} data set into a cache folder once, checking its published MD5.
 *
 * <p>Nothing half-done is ever trusted. The archive is written to a temporary {@code .part} file with a random
 * name in the cache folder, its MD5 is checked, it is extracted into a temporary folder next to it, the
 * expected files are checked, and only then is the data folder moved to its final name with one atomic
 * rename. The only thing later runs look at is that final folder, so an interrupted run leaves at most
 * temporary files, which are ignored and removed by a later run once they are an hour old. On any failure
 * the temporary files are deleted and the exception says what went wrong and how to fix it.
 *
 * <pre>{@code
 * Path dir = new DatasetDownloader(DatasetDownloader.defaultCacheDir(), true)
 *         .ensure(DatasetDownloader.Source.cifar(CifarVariant.CIFAR100));   // ~/.msam/data/cifar-100-binary
 * }</pre>
 */
public final class DatasetDownloader {
    /** System property that overrides the default cache folder. */
    public static final String CACHE_DIR_PROPERTY = "msam.data.dir";
    /** Temporary files older than this are left-overs of an interrupted run and are removed. */
    static final Duration STALE_AFTER = Duration.ofHours(1);
    private static final String PART_SUFFIX = ".part";
    private static final String URL_SUFFIX = ".url";
    private static final String MD5_SUFFIX = ".md5";
    private static final String EXTRACT_MARK = ".extract-";

    private final Path cacheDir;
    private final boolean showProgress;
    private int connectTimeoutMillis = 30_000;
    private int readTimeoutMillis = 60_000;

    /**
     * Creates a downloader.
     *
     * @param cacheDir     folder that receives the extracted data sets (created if absent)
     * @param showProgress whether to draw a progress bar on the console while downloading
     */
    public DatasetDownloader(Path cacheDir, boolean showProgress) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.showProgress = showProgress;
    }

    /**
     * Returns the default cache folder: the system property {@value #CACHE_DIR_PROPERTY} if set, else
     * {@code ~/.msam/data}.
     *
     * @return the folder (not created)
     */
    public static Path defaultCacheDir() {
        String prop = System.getProperty(CACHE_DIR_PROPERTY);
        if (prop != null && !prop.isEmpty()) {
            return Paths.get(prop);
        }
        return Paths.get(System.getProperty("user.home"), ".msam", "data");
    }

    /** @return the cache folder */
    public Path cacheDir() {
        return cacheDir;
    }

    /**
     * Sets the network time-outs.
     *
     * @param connectMillis time-out for connecting, in milliseconds
     * @param readMillis    time-out for each read, in milliseconds
     * @return this downloader
     */
    public DatasetDownloader timeouts(int connectMillis, int readMillis) {
        this.connectTimeoutMillis = connectMillis;
        this.readTimeoutMillis = readMillis;
        return this;
    }

    /**
     * Returns the folder of a data set, downloading and extracting it first if it is not in the cache.
     *
     * @param source what to download and what the archive must contain
     * @return {@code cacheDir/<source.folderName()>}, holding all {@link Source#requiredFiles()}
     * @throws IOException if the download, the MD5 check or the extraction fails; nothing is left behind
     */
    public Path ensure(Source source) throws IOException {
        Path target = cacheDir.resolve(source.folderName());
        if (Files.isDirectory(target)) {
            checkComplete(target, source, "The cache folder " + target + " is incomplete");
            return target;
        }
        Files.createDirectories(cacheDir);
        removeStaleTemporaries(source);
        Path part = Files.createTempFile(cacheDir, "." + source.archiveName() + ".", PART_SUFFIX);
        Path extractDir = null;
        try {
            download(source, part);
            extractDir = Files.createTempDirectory(cacheDir, "." + source.folderName() + EXTRACT_MARK);
            extract(part, extractDir, source);
            Path extracted = extractDir.resolve(source.folderName());
            checkComplete(extracted, source, "The archive from " + source.url() + " does not have the expected layout");
            try {
                Files.move(extracted, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) {
                    throw e;
                }
                // Another process finished the same download first; its folder is checked below.
            }
            checkComplete(target, source, "The cache folder " + target + " is incomplete");
            return target;
        } finally {
            Files.deleteIfExists(part);
            if (extractDir != null) {
                deleteRecursively(extractDir);
            }
        }
    }

    private void download(Source source, Path part) throws IOException {
        URLConnection connection = new URL(source.url()).openConnection();
        connection.setConnectTimeout(connectTimeoutMillis);
        connection.setReadTimeout(readTimeoutMillis);
        connection.setRequestProperty("User-Agent", "msam-examples");
        String fix = "Fix: check the network connection (or proxy settings: -Dhttps.proxyHost/-Dhttps.proxyPort), "
                + "or download " + source.url() + " yourself, extract it and pass --data-dir pointing to the "
                + source.folderName() + " folder.";
        long expected;
        try {
            if (connection instanceof HttpURLConnection) {
                int code = ((HttpURLConnection) connection).getResponseCode();
                if (code != HttpURLConnection.HTTP_OK) {
                    throw new IOException(String.format(Locale.ROOT, "Download of %s failed: HTTP %d %s. %s",
                            source.url(), code, ((HttpURLConnection) connection).getResponseMessage(), fix));
                }
            }
            expected = connection.getContentLengthLong();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Download of")) {
                throw e;
            }
            throw new IOException("Download of " + source.url() + " failed: " + e + ". " + fix, e);
        }
        MessageDigest md5 = md5();
        long received = 0;
        ProgressBar bar = showProgress ? new ProgressBarBuilder().setTaskName("Downloading " + source.archiveName())
                .setInitialMax(expected).setUnit("MiB", 1L << 20).setStyle(ProgressBarStyle.ASCII).showSpeed()
                .setUpdateIntervalMillis(500).build() : null;
        try (InputStream in = new BufferedInputStream(connection.getInputStream());
                OutputStream out = Files.newOutputStream(part)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                md5.update(buf, 0, n);
                received += n;
                if (bar != null) {
                    bar.stepTo(received);
                }
            }
        } catch (IOException e) {
            throw new IOException(String.format(Locale.ROOT,
                    "Download of %s broke off after %,d of %s bytes: %s. Nothing was kept; run again. %s",
                    source.url(), received, expected >= 0 ? String.format(Locale.ROOT, "%,d", expected) : "?", e,
                    fix), e);
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        if (expected >= 0 && received != expected) {
            throw new IOException(String.format(Locale.ROOT,
                    "Download of %s is truncated: received %,d of %,d bytes. Nothing was kept; run again. %s",
                    source.url(), received, expected, fix));
        }
        String actual = hex(md5.digest());
        if (!actual.equalsIgnoreCase(source.md5())) {
            throw new IOException(String.format(Locale.ROOT,
                    "MD5 mismatch for %s: expected %s, got %s (%,d bytes). The download is corrupt or the file on "
                            + "the server has changed; nothing was kept. Fix: run again; if it keeps failing, download "
                            + "%s yourself, check its MD5, extract it and pass --data-dir pointing to the %s folder.",
                    source.url(), source.md5(), actual, received, source.url(), source.folderName()));
        }
    }

    private static void extract(Path archive, Path into, Source source) throws IOException {
        try (InputStream fin = new BufferedInputStream(Files.newInputStream(archive));
                GzipCompressorInputStream gz = new GzipCompressorInputStream(fin);
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextTarEntry()) != null) {
                Path dest = into.resolve(entry.getName()).normalize();
                if (!dest.startsWith(into) || dest.equals(into) && !entry.isDirectory()) {
                    throw new IOException("The archive from " + source.url() + " has an entry outside its folder: "
                            + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(dest);
                } else if (entry.isFile()) {
                    Files.createDirectories(dest.getParent());
                    Files.copy(tar, dest, StandardCopyOption.REPLACE_EXISTING);
                }
                // Links and special files are skipped: the data sets have none.
            }
        } catch (IOException e) {
            throw new IOException("Extracting " + source.archiveName() + " (from " + source.url() + ") failed: "
                    + e.getMessage() + ". Nothing was kept; run again.", e);
        }
    }

    private static void checkComplete(Path folder, Source source, String problem) throws DatasetFormatException {
        List<String> missing = new ArrayList<>();
        for (String name : source.requiredFiles()) {
            if (!Files.isRegularFile(folder.resolve(name))) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new DatasetFormatException(problem + ": missing " + missing + " (expected " + source.requiredFiles()
                    + "). Fix: delete " + folder + " and run again to download " + source.url()
                    + ", or pass --data-dir pointing to a folder with these files.");
        }
    }

    private void removeStaleTemporaries(Source source) throws IOException {
        Instant limit = Instant.now().minus(STALE_AFTER);
        String partPrefix = "." + source.archiveName() + ".";
        String extractPrefix = "." + source.folderName() + EXTRACT_MARK;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(cacheDir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean ours = name.startsWith(partPrefix) && name.endsWith(PART_SUFFIX)
                        || name.startsWith(extractPrefix);
                if (ours && Files.getLastModifiedTime(p).toInstant().isBefore(limit)) {
                    deleteRecursively(p);
                }
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = new ArrayList<>();
            walk.forEach(paths::add);
        }
        paths.sort(Comparator.reverseOrder());
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every Java platform", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /** What to download: address, published MD5, and the folder and files the archive must contain. */
    public static final class Source {
        private final String url;
        private final String md5;
        private final String folderName;
        private final List<String> requiredFiles;

        /**
         * Describes a download.
         *
         * @param url           address of the {@code .tar.gz} archive
         * @param md5           its published MD5, hexadecimal
         * @param folderName    the top-level folder the archive extracts to
         * @param requiredFiles files that folder must contain
         */
        public Source(String url, String md5, String folderName, List<String> requiredFiles) {
            if (!md5.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("Invalid MD5 value: " + md5);
            }
            if (folderName.isEmpty() || folderName.contains("/") || folderName.startsWith(".")) {
                throw new IllegalArgumentException("Invalid folder name: " + folderName);
            }
            this.url = url;
            this.md5 = md5;
            this.folderName = folderName;
            this.requiredFiles = Collections.unmodifiableList(new ArrayList<>(requiredFiles));
        }

        /**
         * The official binary version of a CIFAR data set. The system properties {@code msam.cifar10.url} and
         * {@code msam.cifar100.url} replace the address (a mirror of the official archive; the official MD5 is
         * checked unless {@code msam.cifar10.md5} / {@code msam.cifar100.md5} give another archive's).
         *
         * @param variant CIFAR-10 or CIFAR-100
         * @return its download description
         */
        public static Source cifar(CifarVariant variant) {
            String key = "msam." + (variant == CifarVariant.CIFAR10 ? "cifar10" : "cifar100");
            String url = System.getProperty(key + URL_SUFFIX);
            if (url == null || url.isEmpty()) {
                return cifar(variant, variant.url(), variant.md5());
            }
            String md5 = System.getProperty(key + MD5_SUFFIX);
            return cifar(variant, url, md5 == null || md5.isEmpty() ? variant.md5() : md5);
        }

        /**
         * A CIFAR archive with the official layout from another address (a mirror, or a test server).
         *
         * @param variant CIFAR-10 or CIFAR-100
         * @param url     where to download it
         * @param md5     the archive's MD5
         * @return its download description
         */
        public static Source cifar(CifarVariant variant, String url, String md5) {
            List<String> files = new ArrayList<>(variant.files(Split.TRAIN));
            files.addAll(variant.files(Split.TEST));
            return new Source(url, md5, variant.folderName(), files);
        }

        /** @return the archive address */
        public String url() {
            return url;
        }

        /** @return the expected MD5 of the archive */
        public String md5() {
            return md5;
        }

        /** @return the folder name inside the archive, and in the cache */
        public String folderName() {
            return folderName;
        }

        /** @return files the folder must contain */
        public List<String> requiredFiles() {
            return requiredFiles;
        }

        /** @return the last path segment of the address */
        public String archiveName() {
            String path = url.replaceFirst("[?#].*$", "");
            String name = path.substring(path.lastIndexOf('/') + 1);
            return name.isEmpty() ? folderName + ".tar.gz" : name;
        }
    }
}
