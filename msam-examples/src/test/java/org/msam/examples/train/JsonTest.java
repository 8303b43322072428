package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTest {

    @Test
    void atomicWritesReplaceTheFileLeaveNoTemporaryAndGetTheUsualMode(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("metrics.csv");
        Json.writeAtomically(target, "a\n");
        Json.writeAtomically(target, "b\n");
        assertEquals("b\n", Files.readString(target));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.collect(java.util.stream.Collectors.toList()));
        }
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Path plain = Files.createFile(dir.resolve("plain"));
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target),
                    "the mode a plain new file gets (umask), not createTempFile's 0600");
        }
    }
}
