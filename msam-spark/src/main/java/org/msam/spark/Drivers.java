package org.msam.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.msam.config.AdamW;
import org.msam.dl4j.DecoupledWeightDecay;
import org.msam.dl4j.SharpnessAware;
import org.msam.rule.SharpnessAwareConfig;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Which of the library's drivers a network's updaters need, read from its updater blocks: {@link SharpnessAware} for
 * Sam/Msam/LookSam updaters, {@link DecoupledWeightDecay} for a plain {@link AdamW} with weight decay, none for the
 * other updaters (SgdMomentum, ND4J's own).
 */
final class Drivers {
    private Drivers() {
    }

    /** @return true when some trainable parameter uses a sharpness-aware updater */
    static boolean sharpnessAware(Model model) {
        for (UpdaterBlock b : blocks(model).getUpdaterBlocks()) {
            if (b.getGradientUpdater().getConfig() instanceof SharpnessAwareConfig) {
                return true;
            }
        }
        return false;
    }

    private static boolean decoupledDecay(Model model) {
        for (UpdaterBlock b : blocks(model).getUpdaterBlocks()) {
            IUpdater u = b.getGradientUpdater().getConfig();
            if (u instanceof AdamW && ((AdamW) u).getWeightDecay() != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Installs the drivers the model's updaters need (idempotent), keeping the listeners it has: with SAM/MSAM they
     * become the driver's user listeners, which it calls when the model holds θ.
     *
     * @return true when a sharpness-aware driver is installed
     */
    static boolean install(Model model) {
        if (sharpnessAware(model)) {
            if (model instanceof MultiLayerNetwork) {
                SharpnessAware.install((MultiLayerNetwork) model);
            } else {
                SharpnessAware.install((ComputationGraph) model);
            }
            return true;
        }
        if (decoupledDecay(model)) {
            DecoupledWeightDecay.install(model);
        }
        return false;
    }

    /** Sets the model's iteration and epoch counts. */
    static void setCounts(Model model, int iteration, int epoch) {
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).setIterationCount(iteration);
            ((MultiLayerNetwork) model).setEpochCount(epoch);
        } else if (model instanceof ComputationGraph) {
            ((ComputationGraph) model).getConfiguration().setIterationCount(iteration);
            ((ComputationGraph) model).getConfiguration().setEpochCount(epoch);
        }
    }

    /** @return the model's iteration count */
    static int iteration(Model model) {
        return model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getIterationCount()
                : ((ComputationGraph) model).getConfiguration().getIterationCount();
    }

    /** @return the model's epoch count */
    static int epoch(Model model) {
        return model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getEpochCount()
                : ((ComputationGraph) model).getConfiguration().getEpochCount();
    }

    private static BaseMultiLayerUpdater<?> blocks(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) model).getUpdater(true);
        }
        if (model instanceof ComputationGraph) {
            return ((ComputationGraph) model).getUpdater(true);
        }
        throw new IllegalArgumentException("msam-spark trains MultiLayerNetwork and ComputationGraph models; got "
                + (model == null ? "null" : model.getClass().getName()));
    }
}
