package org.msam.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Finds (or downloads) and reads CIFAR-10 / CIFAR-100: the entry point the example programs use.
 *
 * <p>The files come from one of two places, and the advice in every error message fits the place:
 * <ul>
 *   <li>a folder the user gives ({@code --data-dir}): it is only read, never changed and never downloaded into;
 *   the advice is to point {@code --data-dir} elsewhere, replace a damaged file, or leave the option out;</li>
 *   <li>the download cache ({@link DatasetDownloader#defaultCacheDir()}): the official archive is downloaded
 *   into it when absent (unless downloads are off, {@code --no-download}), MD5-checked and extracted; a damaged
 *   cache folder may be deleted to download it again.</li>
 * </ul>
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
     * @param cacheDir the download cache, used when {@code dataDir} is null ({@code null}: the default cache)
     * @param download whether to download the official archive into the cache when it is not there
     * @return the folder with the files
     * @throws IOException if the files are not found and cannot be downloaded
     */
    public static Path locate(CifarVariant variant, Path dataDir, Path cacheDir, boolean download) throws IOException {
        if (dataDir != null) {
            Path d = dataDir.toAbsolutePath().normalize();
            if (!Files.exists(d)) {
                throw new DatasetFormatException("--data-dir " + d + " does not exist. " + userFix(variant, cacheDir));
            }
            if (!Files.isDirectory(d)) {
                throw new DatasetFormatException("--data-dir " + d + " is a file, not a folder. "
                        + userFix(variant, cacheDir));
            }
            return CifarReader.resolveFolder(d, variant, userFix(variant, cacheDir));
        }
        Path cache = cache(cacheDir);
        Path cached = cache.resolve(variant.folderName());
        if (!download) {
            if (!Files.isDirectory(cached)) {
                throw new DatasetFormatException(variant.displayName() + " is not in the download cache (" + cached
                        + " does not exist) and --no-download forbids downloading it. Fix: run without --no-download "
                        + "to download it from " + DatasetDownloader.Source.cifar(variant).url() + " (MD5-checked), "
                        + "or pass --data-dir pointing to a folder with the binary files.");
            }
            return CifarReader.resolveFolder(cached, variant, cacheFix(variant, cached, false));
        }
        return new DatasetDownloader(cache, true).ensure(DatasetDownloader.Source.cifar(variant));
    }

    /**
     * Locates and reads one split.
     *
     * @param variant  CIFAR-10 or CIFAR-100
     * @param split    training or test
     * @param dataDir  a folder given by the user, or {@code null} to use the cache
     * @param cacheDir the download cache ({@code null}: the default cache)
     * @param download whether to download when absent
     * @return the images
     * @throws IOException if the files are missing, malformed or cannot be downloaded
     */
    public static ImageDataset load(CifarVariant variant, Split split, Path dataDir, Path cacheDir, boolean download)
            throws IOException {
        return load(variant, split, dataDir, cacheDir, download, w -> { });
    }

    /**
     * Locates and reads one split, reporting files whose record count differs from the official files'.
     *
     * @param variant  CIFAR-10 or CIFAR-100
     * @param split    training or test
     * @param dataDir  a folder given by the user, or {@code null} to use the cache
     * @param cacheDir the download cache ({@code null}: the default cache)
     * @param download whether to download when absent
     * @param warnings receives one sentence per file that is not of the official size
     * @return the images
     * @throws IOException if the files are missing, malformed or cannot be downloaded
     */
    public static ImageDataset load(CifarVariant variant, Split split, Path dataDir, Path cacheDir, boolean download,
            Consumer<String> warnings) throws IOException {
        Path folder = locate(variant, dataDir, cacheDir, download);
        String fix = dataDir != null ? userFix(variant, cacheDir) : cacheFix(variant, folder, download);
        ImageDataset data = CifarReader.read(folder, variant, split, fix);
        for (String w : CifarReader.unofficialCounts(folder, variant, split)) {
            warnings.accept("Warning: " + w + " If it was cut short: " + fix.substring("Fix: ".length()));
        }
        return data;
    }

    private static Path cache(Path cacheDir) {
        return (cacheDir != null ? cacheDir : DatasetDownloader.defaultCacheDir()).toAbsolutePath().normalize();
    }

    /** The advice for a folder the user gave: it is never changed by the program. */
    private static String userFix(CifarVariant variant, Path cacheDir) {
        return "Fix: pass --data-dir pointing to the folder that holds the binary files (or to its parent), replace "
                + "a damaged file with the official one from " + variant.url() + ", or leave --data-dir out to "
                + "download a checked copy into " + cache(cacheDir) + ".";
    }

    /** The advice for the download cache, which the program owns. */
    private static String cacheFix(CifarVariant variant, Path cachedFolder, boolean download) {
        return "Fix: the folder is the program's download cache: delete " + cachedFolder + " and run again"
                + (download ? "" : " without --no-download") + " to download a fresh, MD5-checked copy from "
                + DatasetDownloader.Source.cifar(variant).url() + ".";
    }
}
