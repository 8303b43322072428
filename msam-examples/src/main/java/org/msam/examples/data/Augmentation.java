package org.msam.examples.data;

/**
 * Training-time augmentation of small images, as used for CIFAR in the SAM and MSAM papers: a random crop
 * from the image padded with {@value #DEFAULT_PADDING} zero pixels on each side, a horizontal flip with
 * probability 0.5, and Cutout (DeVries and Taylor, 2017, "Improved Regularization of Convolutional Neural
 * Networks with Cutout") of one {@value #DEFAULT_CUTOUT}×{@value #DEFAULT_CUTOUT} square.
 *
 * <p>Per image, in this order (matching torchvision's {@code RandomCrop(32, padding=4)},
 * {@code RandomHorizontalFlip()}, {@code ToTensor()}, {@code Normalize(mean, std)}, then Cutout):
 * <ol>
 *   <li>crop: the image is padded with raw value 0 (black) and a window of the original size is taken at
 *       offset {@code (top, left)}, each uniform in {@code [0, 2·padding]};</li>
 *   <li>flip: the crop is mirrored left–right with probability 0.5;</li>
 *   <li>normalisation: {@code (v / 255 - mean[c]) / std[c]}, so padded pixels become {@code -mean[c] / std[c]};</li>
 *   <li>cutout: a centre {@code (cy, cx)} uniform over all pixels, and the square
 *       {@code [cy - s/2, cy + s/2) × [cx - s/2, cx + s/2)}, clipped at the borders, set to 0 in every channel
 *       (0 is the channel mean after normalisation).</li>
 * </ol>
 * The random numbers are drawn from one {@link java.util.Random} per batch, image after image, in the order
 * {@code top, left} ({@code nextInt(2·padding + 1)} each, if padding &gt; 0), {@code flip}
 * ({@code nextBoolean()}, if enabled), {@code cy, cx} ({@code nextInt(height)}, {@code nextInt(width)}, if
 * cutout &gt; 0).
 *
 * <pre>{@code
 * Augmentation cifar = Augmentation.cifar();                       // padding 4, flip, cutout 16
 * Augmentation noCutout = Augmentation.builder().padding(4).horizontalFlip(true).build();
 * }</pre>
 */
public final class Augmentation {
    /** Zero padding of the random crop, in pixels. */
    public static final int DEFAULT_PADDING = 4;
    /** Side of the Cutout square used for CIFAR-10 and CIFAR-100 by DeVries and Taylor. */
    public static final int DEFAULT_CUTOUT = 16;

    private static final Augmentation NONE = new Augmentation(0, false, 0);

    private final int padding;
    private final boolean horizontalFlip;
    private final int cutout;

    private Augmentation(int padding, boolean horizontalFlip, int cutout) {
        this.padding = padding;
        this.horizontalFlip = horizontalFlip;
        this.cutout = cutout;
    }

    /** @return no augmentation (evaluation) */
    public static Augmentation none() {
        return NONE;
    }

    /**
     * @return the CIFAR training augmentation: crop with {@value #DEFAULT_PADDING}-pixel padding, flip,
     *     {@value #DEFAULT_CUTOUT}-pixel Cutout
     */
    public static Augmentation cifar() {
        return new Augmentation(DEFAULT_PADDING, true, DEFAULT_CUTOUT);
    }

    /** @return a builder starting from no augmentation */
    public static Builder builder() {
        return new Builder();
    }

    /** @return zero padding of the random crop (0 = no crop) */
    public int padding() {
        return padding;
    }

    /** @return whether images are flipped left–right with probability 0.5 */
    public boolean horizontalFlip() {
        return horizontalFlip;
    }

    /** @return side of the Cutout square (0 = no Cutout) */
    public int cutout() {
        return cutout;
    }

    /** @return true if this augmentation changes nothing */
    public boolean isNone() {
        return padding == 0 && !horizontalFlip && cutout == 0;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Augmentation)) {
            return false;
        }
        Augmentation a = (Augmentation) o;
        return padding == a.padding && horizontalFlip == a.horizontalFlip && cutout == a.cutout;
    }

    @Override
    public int hashCode() {
        return (padding * 31 + cutout) * 2 + (horizontalFlip ? 1 : 0);
    }

    @Override
    public String toString() {
        return "Augmentation[padding=" + padding + ", horizontalFlip=" + horizontalFlip + ", cutout=" + cutout + "]";
    }

    /** Builds an {@link Augmentation}; every option starts disabled. */
    public static final class Builder {
        private int padding;
        private boolean horizontalFlip;
        private int cutout;

        private Builder() {
        }

        /**
         * Sets the zero padding of the random crop.
         *
         * @param padding pixels added on each side before cropping (0 = no crop)
         * @return this builder
         */
        public Builder padding(int padding) {
            if (padding < 0) {
                throw new IllegalArgumentException("Invalid padding value: " + padding);
            }
            this.padding = padding;
            return this;
        }

        /**
         * Enables or disables the random horizontal flip (probability 0.5).
         *
         * @param horizontalFlip whether to flip
         * @return this builder
         */
        public Builder horizontalFlip(boolean horizontalFlip) {
            this.horizontalFlip = horizontalFlip;
            return this;
        }

        /**
         * Sets the side of the Cutout square.
         *
         * @param cutout side in pixels (0 = no Cutout)
         * @return this builder
         */
        public Builder cutout(int cutout) {
            if (cutout < 0) {
                throw new IllegalArgumentException("Invalid cutout value: " + cutout);
            }
            this.cutout = cutout;
            return this;
        }

        /** @return the augmentation */
        public Augmentation build() {
            return new Augmentation(padding, horizontalFlip, cutout);
        }
    }
}
