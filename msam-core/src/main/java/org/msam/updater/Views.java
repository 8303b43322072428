package org.msam.updater;

import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Slicing of flat state views and the allocation-free in-place kernels the updaters are made of. */
final class Views {
    private Views() {
    }

    /** @return the state view as a contiguous vector of its length */
    static INDArray flat(INDArray view) {
        if (!view.isVectorOrScalar()) {
            throw new IllegalArgumentException("Invalid updater state view: expected a vector, got shape "
                    + Arrays.toString(view.shape()));
        }
        return view.rank() == 1 ? view : view.reshape(view.length());
    }

    /** @return elements [from, from + length) of a flat vector, as a view */
    static INDArray slice(INDArray flat, long from, long length) {
        return flat.get(NDArrayIndex.interval(from, from + length));
    }

    /**
     * @return {@code buffer} (a contiguous vector) viewed with the shape and ordering of {@code like}, so
     *     that elementwise operations pair the same buffer positions
     */
    static INDArray like(INDArray buffer, INDArray like) {
        if (buffer.length() != like.length()) {
            throw new IllegalArgumentException("Gradient of length " + like.length()
                    + " does not match an updater state of length " + buffer.length());
        }
        if (Arrays.equals(buffer.shape(), like.shape()) && buffer.ordering() == like.ordering()) {
            return buffer;
        }
        return buffer.reshape(like.ordering(), like.shape());
    }

    /** @return the number of elements of an array of this shape */
    static long lengthOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** y ← α·x + y, in place. */
    static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, y, alpha));
    }

    /** y ← α·y + x, in place. */
    static void scaleAdd(double alpha, INDArray y, INDArray x) {
        Nd4j.exec(new Axpy(y, x, y, alpha));
    }

    /** x ← α·x, in place (BLAS scal on a contiguous float or double vector; ND4J's scalar product otherwise). */
    static void scale(double alpha, INDArray x) {
        if (alpha == 0) {
            x.assign(0);
        } else if (alpha != 1) {
            if (x.rank() == 1 && x.elementWiseStride() == 1
                    && (x.dataType() == DataType.FLOAT || x.dataType() == DataType.DOUBLE)) {
                Nd4j.getBlasWrapper().level1().scal(x.length(), alpha, x);
            } else {
                x.muli(alpha);
            }
        }
    }

    /** dst ← α·src. */
    static void scaleInto(double alpha, INDArray src, INDArray dst) {
        Nd4j.exec(new ScalarMultiplication(src, null, dst, alpha));
    }
}
