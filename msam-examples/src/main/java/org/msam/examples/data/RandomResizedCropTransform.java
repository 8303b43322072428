package org.msam.examples.data;

import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.Random;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.transform.BaseImageTransform;

/**
 * Inception-style training crop (Szegedy et al., 2015), as torchvision's
 * {@code RandomResizedCrop(size, scale=(0.08, 1), ratio=(3/4, 4/3))} followed by
 * {@code RandomHorizontalFlip()}, on DataVec/OpenCV images; the result is converted to RGB order.
 *
 * <p>Per image: up to 10 attempts draw an area fraction uniform in {@code [minScale, maxScale]} and a
 * log-uniform aspect ratio in {@code [3/4, 4/3]}; the first window that fits is placed uniformly at random.
 * If none fits, the largest centred window with an aspect ratio in range is used. The window is resized
 * bilinearly to {@code size × size} and mirrored left–right with probability 0.5. Random numbers come from the
 * {@link Random} given to the constructor, image after image.
 */
public final class RandomResizedCropTransform extends BaseImageTransform<Mat> {
    /** Smallest area fraction of the crop. */
    public static final double DEFAULT_MIN_SCALE = 0.08;
    private static final double MIN_RATIO = 3.0 / 4.0;
    private static final double MAX_RATIO = 4.0 / 3.0;
    private static final int ATTEMPTS = 10;

    private final int size;
    private final double minScale;
    private final boolean flip;

    /**
     * Creates the transform.
     *
     * @param random   random generator (seeded by the caller)
     * @param size     output side in pixels
     * @param minScale smallest area fraction, e.g. {@value #DEFAULT_MIN_SCALE}
     * @param flip     whether to mirror left–right with probability 0.5
     */
    public RandomResizedCropTransform(Random random, int size, double minScale, boolean flip) {
        super(random);
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid size value: " + size);
        }
        if (!(minScale > 0 && minScale <= 1)) {
            throw new IllegalArgumentException("Invalid minimum scale value: " + minScale);
        }
        this.size = size;
        this.minScale = minScale;
        this.flip = flip;
        this.converter = new OpenCVFrameConverter.ToMat();
    }

    @Override
    protected ImageWritable doTransform(ImageWritable image, Random random) {
        if (image == null) {
            return null;
        }
        Random rng = random != null ? random : new Random(0);
        Mat mat = converter.convert(image.getFrame());
        int[] window = window(mat.rows(), mat.cols(), minScale, rng);
        Mat resized = new Mat();
        resize(mat.apply(new Rect(window[1], window[0], window[3], window[2])), resized, new Size(size, size), 0, 0,
                INTER_LINEAR);
        Mat out = resized;
        if (flip && rng.nextBoolean()) {
            out = new Mat();
            flip(resized, out, 1);
        }
        return new ImageWritable(converter.convert(ResizeCenterCropTransform.toRgb(out)));
    }

    /**
     * Chooses the crop window.
     *
     * @param height   image height
     * @param width    image width
     * @param minScale smallest area fraction
     * @param random   random generator
     * @return {@code {top, left, height, width}}
     */
    static int[] window(int height, int width, double minScale, Random random) {
        double area = (double) height * width;
        double logMin = Math.log(MIN_RATIO);
        double logMax = Math.log(MAX_RATIO);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = area * (minScale + (1.0 - minScale) * random.nextDouble());
            double ratio = Math.exp(logMin + (logMax - logMin) * random.nextDouble());
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < MIN_RATIO) {
            w = width;
            h = (int) Math.round(w / MIN_RATIO);
        } else if (inRatio > MAX_RATIO) {
            h = height;
            w = (int) Math.round(h * MAX_RATIO);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }
}
