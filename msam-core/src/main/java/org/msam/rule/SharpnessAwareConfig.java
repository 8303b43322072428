package org.msam.rule;

import java.util.List;
import java.util.Set;

import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * An updater configuration whose training needs a driver: it makes the rule that runs the steps the DL4J updater
 * cannot take alone. Implemented by {@link org.msam.config.Sam}, {@link org.msam.config.Msam}, {@link
 * org.msam.config.LookSam}, {@link org.msam.config.Esam} and {@link org.msam.config.Mesa}.
 */
public interface SharpnessAwareConfig extends IUpdater {
    /**
     * @param variables every trainable variable of the model, with its updater
     * @return the rule over them
     * @throws IllegalStateException when the model cannot be trained by this rule (a variable with another
     *                               updater, settings that differ between layers, no variable to perturb)
     */
    SharpnessRule newRule(List<Variable> variables);

    /**
     * @return what training with this configuration needs from a host, from its own settings (BN-only forms need
     *     normalisation layers, ESAM with a sample fraction below 1 needs per-sample losses): the one declaration
     *     that drivers, the registry and the tests read
     */
    Set<Need> needs();

    /** @return the base optimizer */
    IUpdater getBase();

    /** The learning rate is the base optimizer's. */
    @Override
    default double getLearningRate(int iteration, int epoch) {
        return getBase().getLearningRate(iteration, epoch);
    }

    @Override
    default boolean hasLearningRate() {
        return getBase().hasLearningRate();
    }

    @Override
    default void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        getBase().setLrAndSchedule(lr, lrSchedule);
    }
}
