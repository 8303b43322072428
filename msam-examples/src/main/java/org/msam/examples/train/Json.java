package org.msam.examples.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/** JSON (Jackson, as shaded in ND4J) and atomic file writes for the examples. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.ALWAYS);

    private Json() {
    }

    static String write(Object o) throws IOException {
        return MAPPER.writeValueAsString(o);
    }

    static <T> T read(String json, Class<T> type) throws IOException {
        return MAPPER.readValue(json, type);
    }

    /** Writes a file through a temporary file in the same folder and an atomic rename. */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        // a new file with a unique name (not createTempFile, whose 0600 mode would stick to the result): the
        // process's umask sets the mode, as for any other file the user writes
        Path tmp = target.toAbsolutePath().getParent()
                .resolve("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, content, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * @param target the file that could not be written
     * @param e      the cause (e.g. "No space left on device")
     * @return an exception naming the file, the cause and the fix; the earlier version of the file is kept
     */
    static IOException cannotWrite(Path target, IOException e) {
        String m = e.getMessage();
        return new IOException("Cannot write " + target.toAbsolutePath() + " (" + e.getClass().getSimpleName()
                + (m == null ? "" : ": " + m) + "); its earlier version, if any, is kept. Fix: free space on that "
                + "disk or make it writable, then continue with --resume; or choose another --output.", e);
    }

    static void writeAtomically(Path target, String content) throws IOException {
        writeAtomically(target, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
