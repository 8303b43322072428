package org.msam.examples.data;

import java.util.Random;

/**
 * Derives independent, reproducible seeds from a base seed and a few integers (epoch, batch index), so
 * that each epoch and each batch gets its own {@link Random} regardless of the order in which batches are
 * prepared.
 *
 * <p>Mixing uses the SplitMix64 finaliser (Steele, Lea and Flood, 2014); the resulting seed feeds
 * {@link Random}, whose algorithm is fixed by its specification, so a seed gives the same numbers on every
 * Java version.
 */
final class Seeds {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /**
     * Mixes a base seed with further integers into a new 64-bit seed.
     *
     * @param seed  base seed
     * @param parts integers to mix in, in order (order matters)
     * @return the derived seed
     */
    static long derive(long seed, long... parts) {
        long h = mix64(seed + GOLDEN_GAMMA);
        for (long p : parts) {
            h = mix64(h ^ mix64(p + GOLDEN_GAMMA));
        }
        return h;
    }

    /**
     * Returns a {@link Random} seeded with {@link #derive(long, long...)}.
     *
     * @param seed  base seed
     * @param parts integers to mix in
     * @return a new random generator
     */
    static Random random(long seed, long... parts) {
        return new Random(derive(seed, parts));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
