package org.msam.examples.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Finds (or downloads) and reads CIFAR-10 / CIFAR-100: the entry point the example programs use.
 *
 * <pre>{@code
 * Path folder = Cifar.locate(CifarVariant.CIFAR100, dataDirOrNull, DatasetDownloader.defaultCacheDir(), true);
 * ImageDataset train = CifarReader.read(folder, CifarVariant.CIFAR100, Split.TRAIN);
 * }</pre>
 */
public final class Cifar {
    private Cifar() {
    }

    /**
     * Returns the folder holding a CIFAR data set's {@code .bin} files.
     *
     * @param variant  CIFAR-10 or CIFAR-100
     * @param dataDir  a folder given by the user (holding the files, or their {@link CifarVariant#folderName()}
     *                 folder); {@code null} to use the cache
     * @param cacheDir the download cache, used when {@code dataDir} is null
     * @param download whether to download the official archive into the cache when it is not there
     * @return the folder with the files
     * @throws IOException if the files are not found and cannot be downloaded
     */
    public static Path locate(CifarVariant variant, Path dataDir, Path cacheDir, boolean download) throws IOException {
        if (dataDir != null) {
            return CifarReader.resolveFolder(dataDir, variant);
        }
        Path cached = cacheDir.resolve(variant.folderName());
        if (!download) {
            return CifarReader.resolveFolder(cached, variant);
        }
        return new DatasetDownloader(cacheDir, true).ensure(DatasetDownloader.Source.cifar(variant));
    }

    /**
     * Locates and reads one split.
     *
     * @param variant  CIFAR-10 or CIFAR-100
     * @param split    training or test
     * @param dataDir  a folder given by the user, or {@code null} to use the cache
     * @param cacheDir the download cache
     * @param download whether to download when absent
     * @return the images
     * @throws IOException if the files are missing, malformed or cannot be downloaded
     */
    public static ImageDataset load(CifarVariant variant, Split split, Path dataDir, Path cacheDir, boolean download)
            throws IOException {
        return CifarReader.read(locate(variant, dataDir, cacheDir, download), variant, split);
    }
}
