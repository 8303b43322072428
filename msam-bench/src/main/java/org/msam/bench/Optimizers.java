package org.msam.bench;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.DecoupledWeightDecay;
import org.msam.dl4j.SharpnessAware;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The optimizers the training-iteration and memory benchmarks compare, by name, with the reference
 * hyper-parameters of ALGORITHMS.md (the speed does not depend on the values, only on the work):
 * <table>
 *   <caption>Optimizers</caption>
 *   <tr><th>name</th><th>updater</th><th>listener</th></tr>
 *   <tr><td>{@code sgd}</td><td>SgdMomentum η 0.1, μ 0.9 (heavy ball), .l2(5e-4)</td><td>none</td></tr>
 *   <tr><td>{@code nag}</td><td>SgdMomentum η 0.1, μ 0.9, Nesterov, .l2(5e-4)</td><td>none</td></tr>
 *   <tr><td>{@code adamw}</td><td>AdamW η 1e-3, λ 1e-2</td><td>DecoupledWeightDecay</td></tr>
 *   <tr><td>{@code sam}</td><td>Sam(ρ 0.2) over {@code sgd}</td><td>SharpnessAware (SAM)</td></tr>
 *   <tr><td>{@code msam}</td><td>Msam(ρ 3) over {@code sgd}</td><td>SharpnessAware (MSAM)</td></tr>
 *   <tr><td>{@code msamAdamW}</td><td>Msam(ρ 3) over {@code adamw}</td><td>SharpnessAware (MSAM)</td></tr>
 *   <tr><td>{@code nd4jNesterovs}</td><td>ND4J Nesterovs(0.1, 0.9), .l2(5e-4)</td><td>none</td></tr>
 *   <tr><td>{@code nd4jAdam}</td><td>ND4J Adam(1e-3)</td><td>none</td></tr>
 * </table>
 */
public final class Optimizers {
    /** The names {@link #updater} accepts. */
    public static final String[] NAMES = {"sgd", "nag", "adamw", "sam", "msam", "msamAdamW", "nd4jNesterovs",
        "nd4jAdam"};

    static final double SGD_LR = 0.1;
    static final double MOMENTUM = 0.9;
    static final double ADAMW_LR = 1e-3;
    static final double ADAMW_DECAY = 1e-2;
    static final double SAM_RHO = 0.2;
    static final double MSAM_RHO = 3.0;

    private Optimizers() {
    }

    /** @return our heavy-ball SGD: η {@value #SGD_LR}, μ {@value #MOMENTUM} */
    static SgdMomentum sgd(boolean nesterov) {
        return SgdMomentum.builder().learningRate(SGD_LR).momentum(MOMENTUM).nesterov(nesterov).build();
    }

    /** @return our AdamW: η {@value #ADAMW_LR}, λ {@value #ADAMW_DECAY} */
    static AdamW adamW() {
        return AdamW.builder().learningRate(ADAMW_LR).weightDecay(ADAMW_DECAY).build();
    }

    /**
     * @param name one of {@link #NAMES}
     * @return the updater configuration
     */
    public static IUpdater updater(String name) {
        switch (name) {
            case "sgd":
                return sgd(false);
            case "nag":
                return sgd(true);
            case "adamw":
                return adamW();
            case "sam":
                return Sam.builder().base(sgd(false)).rho(SAM_RHO).build();
            case "msam":
                return Msam.builder().base(sgd(false)).rho(MSAM_RHO).build();
            case "msamAdamW":
                return Msam.builder().base(adamW()).rho(MSAM_RHO).build();
            case "nd4jNesterovs":
                return new Nesterovs(SGD_LR, MOMENTUM);
            case "nd4jAdam":
                return new Adam(ADAMW_LR);
            default:
                throw new IllegalArgumentException("Unknown optimizer \"" + name + "\"; expected one of "
                        + String.join(", ", NAMES));
        }
    }

    /** @return the coupled weight decay (DL4J's .l2) the optimizer trains with: SGD family only */
    public static double l2(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).contains("adam") ? 0 : Models.L2;
    }

    /**
     * Builds model {@code model} with optimizer {@code name} and installs the listener it needs.
     *
     * @param model one of {@link Models#NAMES}
     * @param name  one of {@link #NAMES}
     * @return the initialised network, ready to {@code fit}
     */
    public static Model network(String model, String name) {
        Model net = Models.build(model, updater(name), l2(name));
        install(net, name);
        return net;
    }

    private static void install(Model net, String name) {
        switch (name) {
            case "adamw":
                DecoupledWeightDecay.install(net);
                break;
            case "sam":
            case "msam":
            case "msamAdamW":
                if (net instanceof MultiLayerNetwork) {
                    SharpnessAware.install((MultiLayerNetwork) net);
                } else {
                    SharpnessAware.install((ComputationGraph) net);
                }
                break;
            default:
                break;
        }
    }
}
