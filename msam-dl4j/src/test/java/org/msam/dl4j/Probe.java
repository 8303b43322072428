package org.msam.dl4j;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.msam.rule.MsamRule;
import org.nd4j.linalg.learning.config.NoOp;

/** What the tests read of a network's driver and updater blocks. */
final class Probe {
    private Probe() {
    }

    /** @return the MSAM rule the network's driver runs */
    static MsamRule msam(Model net) {
        return (MsamRule) SharpnessAware.listener(net).rule();
    }

    /** @return the network's DL4J updater blocks */
    static List<UpdaterBlock> blocks(Model net) {
        return Net.of(net).blocks();
    }

    /** @return the updater blocks whose updater is not NoOp */
    static List<UpdaterBlock> trainableBlocks(Model net) {
        List<UpdaterBlock> r = new ArrayList<>();
        for (UpdaterBlock b : blocks(net)) {
            if (!(b.getGradientUpdater().getConfig() instanceof NoOp)) {
                r.add(b);
            }
        }
        return r;
    }
}
