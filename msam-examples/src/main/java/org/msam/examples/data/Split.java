package org.msam.examples.data;

/** Which part of a data set to read. */
public enum Split {
    /** The training images. */
    TRAIN,
    /** The held-out test images. */
    TEST
}
