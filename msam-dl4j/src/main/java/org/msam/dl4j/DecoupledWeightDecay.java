package org.msam.dl4j;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.msam.config.AdamW;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Applies {@link AdamW}'s decoupled weight decay θ ← θ·(1 − η·λ) for networks trained with plain AdamW
 * (DL4J updaters never see the weights). The decay is applied by the AdamW updater itself, to the variables
 * this listener binds it to: all trainable parameters ({@link org.msam.config.DecayScope#ALL_TRAINABLE},
 * PyTorch's default) or only DL4J's weights ({@link org.msam.config.DecayScope#WEIGHTS_ONLY}); BatchNorm
 * running statistics and frozen layers never. {@link SharpnessAware#install} does the same for Sam/Msam over
 * AdamW, so this is only needed without SAM/MSAM. Call it again after restoring a saved model.
 */
public final class DecoupledWeightDecay extends BaseTrainingListener {
    private transient NetworkHost host;

    private DecoupledWeightDecay() {
    }

    /**
     * Adds the decay listener to a network (idempotent).
     *
     * @param model an initialised MultiLayerNetwork or ComputationGraph
     * @return the listener
     */
    public static DecoupledWeightDecay install(Model model) {
        Net net = Net.ofInitialised(model, "DecoupledWeightDecay.install(net)");
        List<TrainingListener> all = new ArrayList<>(net.listeners());
        for (TrainingListener l : all) {
            if (l instanceof DecoupledWeightDecay) {
                ((DecoupledWeightDecay) l).bind(net);
                return (DecoupledWeightDecay) l;
            }
        }
        DecoupledWeightDecay d = new DecoupledWeightDecay();
        d.bind(net);
        all.add(d);
        net.setListeners(all);
        return d;
    }

    /**
     * Adds the decay listener to a SameDiff instance whose {@code TrainingConfig} uses a plain AdamW with weight
     * decay (idempotent). Call it again on an instance loaded from disk.
     *
     * @param sd the SameDiff instance, with its TrainingConfig set
     * @return the listener
     * @see SameDiffDecoupledWeightDecay
     */
    public static SameDiffDecoupledWeightDecay install(SameDiff sd) {
        if (sd.getTrainingConfig() == null) {
            throw new IllegalStateException("Set the TrainingConfig (sd.setTrainingConfig(...)) before "
                    + "DecoupledWeightDecay.install(sd)");
        }
        for (Listener l : sd.getListeners()) {
            if (l instanceof SameDiffDecoupledWeightDecay && ((SameDiffDecoupledWeightDecay) l).sameDiff() == sd) {
                return (SameDiffDecoupledWeightDecay) l;
            }
        }
        SameDiffDecoupledWeightDecay d = new SameDiffDecoupledWeightDecay(sd);
        sd.addListeners(d);
        return d;
    }

    private void bind(Net net) {
        if (host == null || host.isStale(net)) {
            NetworkHost h = NetworkHost.of(net);
            h.bindUpdaters();
            host = h;
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        Net net = Net.of(model);
        bind(net);
        host.prepareUpdaters(net.iteration());
    }
}
