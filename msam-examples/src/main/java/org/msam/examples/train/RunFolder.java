package org.msam.examples.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run folder ({@code --output}) held for one process: checked to be a writable folder before anything else is
 * done, locked through {@value #LOCK} ({@link FileChannel#tryLock()}) so that a second process writing to the
 * same folder is refused, and cleared of the temporary files an interrupted write left behind. Closing it releases
 * the lock.
 */
public final class RunFolder implements AutoCloseable {
    /** The lock file inside the folder. */
    public static final String LOCK = ".lock";
    /** The files a run writes; their presence means the folder holds a run. */
    public static final List<String> RUN_FILES = List.of(Checkpoint.FILE, "config.json", "result.json",
            "metrics.csv", "loss.png", "accuracy.png", "diagnostics.csv", "diagnostics-cosine.png",
            "diagnostics-loss.png", "diagnostics-norm.png");

    /** The files a comparison ({@code compare}, {@code demo}) writes into its folder. */
    public static final List<String> COMPARISON_FILES = List.of(Comparison.MARKER, "compare.md", "compare.csv");

    /**
     * The temporaries this program writes: {@code .checkpoint<digits>.zip.tmp} ({@link Checkpoint#save}) and
     * {@code .<file>.<UUID>.tmp} ({@link Json#writeAtomically}); any other hidden file is the user's.
     */
    private static final java.util.regex.Pattern OWN_TEMPORARY = java.util.regex.Pattern.compile(
            "\\.checkpoint-?[0-9]+\\.zip\\.tmp|\\..+\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final List<Path> created;

    private RunFolder(Path dir, FileChannel channel, FileLock lock, List<Path> created) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.created = created;
    }

    /**
     * Creates (if needed) and locks a folder.
     *
     * @param dir    the folder
     * @param option the command-line option that named it, for the messages (e.g. {@code --output})
     * @return the locked folder
     * @throws IOException naming the option and the fix when the path is a file, cannot be created or written,
     *                     or is locked by another process
     */
    public static RunFolder lock(Path dir, String option) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IOException(option + " " + abs + " is a file, not a folder. Fix: choose a folder for " + option
                    + " (it is created if absent).");
        }
        List<Path> created = new ArrayList<>();
        for (Path p = abs; p != null && !Files.exists(p); p = p.getParent()) {
            created.add(p);
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new IOException(option + " " + abs + " cannot be created (" + describe(e) + "). Fix: choose a "
                    + "writable folder for " + option + ".", e);
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(abs.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException(option + " " + abs + " is not writable (" + describe(e) + "). Fix: choose a "
                    + "writable folder for " + option + ".", e);
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException e) {
            ch.close();
            throw new IOException(option + " " + abs + " cannot be locked (" + describe(e) + "). Fix: choose a "
                    + "folder on a local, writable file system for " + option + ".", e);
        }
        if (l == null) {
            ch.close();
            throw new IOException("Another process is writing to " + abs + " (it holds " + abs.resolve(LOCK)
                    + "). Fix: wait until it has finished, or choose another " + option + ".");
        }
        return new RunFolder(abs, ch, l, created);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** @return the folder (absolute) */
    public Path dir() {
        return dir;
    }

    /**
     * The files that hold a run's results: a folder with only a {@code config.json} (a run stopped in its first
     * epoch) holds nothing to lose.
     */
    static final List<String> RESULT_FILES = List.of(Checkpoint.FILE, "result.json", "metrics.csv",
            "diagnostics.csv");

    /**
     * @param dir a folder (may be absent)
     * @return true when it holds the results of a run ({@link #RESULT_FILES})
     */
    public static boolean holdsRun(Path dir) {
        return RESULT_FILES.stream().anyMatch(f -> Files.exists(dir.resolve(f)));
    }

    /**
     * @param dir a folder (may be absent)
     * @return true when it holds a comparison's table, plots' record or marker ({@link #COMPARISON_FILES})
     */
    public static boolean holdsComparison(Path dir) {
        return COMPARISON_FILES.stream().anyMatch(f -> Files.exists(dir.resolve(f)));
    }

    /** @return the result files present in the folder (empty for a new folder) */
    public List<String> runFiles() {
        List<String> found = new ArrayList<>();
        for (String f : RESULT_FILES) {
            if (Files.exists(dir.resolve(f))) {
                found.add(f);
            }
        }
        return found;
    }

    /**
     * Deletes the files of an earlier run ({@link #RUN_FILES}); other files (and folders) are left alone.
     *
     * @param keep files not to delete (those the new run has already written)
     * @throws IOException if one cannot be deleted
     */
    public void deleteRunFiles(String... keep) throws IOException {
        for (String f : RUN_FILES) {
            if (!List.of(keep).contains(f) && Files.isRegularFile(dir.resolve(f))) {
                Files.delete(dir.resolve(f));
            }
        }
    }

    /**
     * Deletes the temporary files of interrupted writes of this program ({@code .checkpoint<digits>.zip.tmp} and the
     * {@code .<file>.<UUID>.tmp} files of {@link Json#writeAtomically}); while the folder is locked no other process
     * can be writing them. Other hidden files (a user's {@code .notes.tmp}) are left alone.
     *
     * @return the number of files deleted
     * @throws IOException if the folder cannot be listed or a file deleted
     */
    public int deleteStaleTemporaries() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : files) {
                if (Files.isRegularFile(p) && OWN_TEMPORARY.matcher(p.getFileName().toString()).matches()) {
                    Files.delete(p);
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Releases the lock. A folder this lock created (with any parents it created) is removed again when nothing
     * but the lock file was written into it, so that a command refused after locking leaves no trace.
     */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
        if (created.isEmpty()) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            if (!files.allMatch(p -> p.getFileName().toString().equals(LOCK))) {
                return;
            }
        }
        Files.deleteIfExists(dir.resolve(LOCK));
        for (Path p : created) {
            try {
                Files.delete(p);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                return;
            }
        }
    }
}
