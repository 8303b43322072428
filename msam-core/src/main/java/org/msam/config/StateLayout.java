package org.msam.config;

/**
 * The version of the optimizer state's layout, saved with the configurations whose layout changed
 * ({@link SgdMomentum}, {@link AdamW}, {@link Msam}, {@link Mesa}) as their JSON property {@code stateLayout}.
 *
 * <p>Since layout {@value #CURRENT}, every state is a whole multiple of its block's parameter count, laid out like
 * the parameters: DL4J can then split it by parameter and regroup it when updater blocks change
 * ({@code net.setLearningRate(layer, lr)}). The step counts are DL4J's iteration count, and what MSAM and MESA derive
 * from the state is derived again when needed, rather than kept. Layout {@value #V010} (models saved before, with no
 * {@code stateLayout} in their JSON) kept a few numbers per block after the buffers: SGD's and AdamW's step count,
 * MSAM's c and perturbed flag, MESA's started flag. Such models load and train on as they did; the extra numbers are
 * read once where they matter (a model saved at θ̃ is moved to θ) and otherwise left unused.
 */
public final class StateLayout {
    /** The layout of models saved without a {@code stateLayout} property: {@value}. */
    public static final int V010 = 0;
    /** The layout of every configuration built now: {@value}. */
    public static final int CURRENT = 1;

    private StateLayout() {
    }

    /**
     * @param layout a configuration's layout
     * @return the layout, checked
     * @throws IllegalArgumentException for a layout this version does not know
     */
    static int check(int layout) {
        if (layout != V010 && layout != CURRENT) {
            throw new IllegalArgumentException("Unknown optimizer state layout " + layout + " (this version reads "
                    + V010 + " and " + CURRENT + "): the model was saved by a newer version of msam");
        }
        return layout;
    }
}
