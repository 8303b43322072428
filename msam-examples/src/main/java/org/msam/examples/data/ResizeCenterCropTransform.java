package org.msam.examples.data;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.Random;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.transform.BaseImageTransform;

/**
 * Evaluation preprocessing for ImageNet-style images, as torchvision's {@code Resize(round(size / 0.875))}
 * then {@code CenterCrop(size)} (256 then 224 for the usual size): the shorter side is resized bilinearly to
 * {@code round(size / cropFraction)}, the centre {@code size × size} window is kept, and the result is
 * converted to RGB order. Deterministic.
 */
public final class ResizeCenterCropTransform extends BaseImageTransform<Mat> {
    /** Fraction of the resized shorter side that the centre crop keeps. */
    public static final double DEFAULT_CROP_FRACTION = 0.875;

    private final int size;
    private final double cropFraction;

    /**
     * Creates the transform.
     *
     * @param size         output side in pixels
     * @param cropFraction {@code size} divided by the resized shorter side, e.g. {@value #DEFAULT_CROP_FRACTION}
     */
    public ResizeCenterCropTransform(int size, double cropFraction) {
        super(null);
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid size value: " + size);
        }
        if (!(cropFraction > 0 && cropFraction <= 1)) {
            throw new IllegalArgumentException("Invalid crop fraction value: " + cropFraction);
        }
        this.size = size;
        this.cropFraction = cropFraction;
        this.converter = new OpenCVFrameConverter.ToMat();
    }

    @Override
    protected ImageWritable doTransform(ImageWritable image, Random random) {
        if (image == null) {
            return null;
        }
        Mat mat = converter.convert(image.getFrame());
        int shorter = Math.max(size, (int) Math.round(size / cropFraction));
        int h = mat.rows();
        int w = mat.cols();
        int newH = h <= w ? shorter : (int) Math.round((double) h * shorter / w);
        int newW = h <= w ? (int) Math.round((double) w * shorter / h) : shorter;
        newH = Math.max(newH, size);
        newW = Math.max(newW, size);
        Mat resized = new Mat();
        resize(mat, resized, new Size(newW, newH), 0, 0, INTER_LINEAR);
        Mat crop = resized.apply(new Rect((newW - size) / 2, (newH - size) / 2, size, size));
        return new ImageWritable(converter.convert(toRgb(crop)));
    }

    /**
     * Converts an OpenCV image (BGR, BGRA or grey, as OpenCV decodes files) to 3-channel RGB.
     *
     * @param mat the image
     * @return a new RGB image
     */
    static Mat toRgb(Mat mat) {
        Mat rgb = new Mat();
        int channels = mat.channels();
        int code = channels == 1 ? COLOR_GRAY2RGB : channels == 4 ? COLOR_BGRA2RGB : COLOR_BGR2RGB;
        cvtColor(mat, rgb, code);
        return rgb;
    }
}
