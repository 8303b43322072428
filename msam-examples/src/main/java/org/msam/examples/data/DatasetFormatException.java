package org.msam.examples.data;

import java.io.IOException;

/**
 * A data file is missing, truncated or not in the expected format. The message names the file, states what
 * was expected (record size, record count, magic number) and says how to fix the problem.
 */
public class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the full message: file, expectation and remedy
     */
    public DatasetFormatException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message the full message: file, expectation and remedy
     * @param cause   the underlying error
     */
    public DatasetFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
