/**
 * Data sets for the example programs: readers, normalisation, augmentation, iterators and downloads.
 *
 * <p>Conventions used throughout the package:
 * <ul>
 *   <li>Images are held in memory as unsigned bytes in planar (channel, row, column) order, exactly as the
 *       CIFAR binary files store them ({@link org.msam.examples.data.ImageDataset}).</li>
 *   <li>Batches handed to DL4J are float32 {@code DataSet}s with features in NCHW layout and one-hot (or
 *       label-smoothed) labels of shape {@code [batch, classes]}.</li>
 *   <li>Normalisation maps a raw byte {@code v} of channel {@code c} to
 *       {@code (v / 255 - mean[c]) / std[c]} ({@link org.msam.examples.data.ChannelStats}), like
 *       torchvision's {@code ToTensor()} followed by {@code Normalize(mean, std)}.</li>
 *   <li>Randomness is seeded and independent of threading: the order of epoch {@code e} and the augmentation
 *       of batch {@code b} of that epoch are drawn from {@link java.util.Random} instances whose seeds are
 *       derived from {@code (seed, e)} and {@code (seed, e, b)}, so the same seed gives the same batches
 *       whether or not they are prepared on a background thread.</li>
 *   <li>Files that are missing, truncated or of the wrong format raise a
 *       {@link org.msam.examples.data.DatasetFormatException} whose message names the file, what was expected
 *       and how to fix it.</li>
 * </ul>
 */
package org.msam.examples.data;
