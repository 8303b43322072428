package org.msam.bench;

import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.msam.config.AdamW;
import org.msam.config.SgdMomentum;
import org.msam.examples.train.Optimizer;
import org.msam.rules.Base;
import org.msam.rules.RhoScale;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The optimizers the training-iteration and memory benchmarks compare. The names are those of the examples'
 * optimizer catalog ({@link Optimizer}), which also decides what each one builds and installs; the benchmarks only
 * add two ND4J baselines and fix the reference hyper-parameters of docs/ALGORITHMS.md (the speed does not depend on the
 * values, only on the work):
 * <table>
 *   <caption>Optimizers</caption>
 *   <tr><th>name</th><th>updater</th><th>listener</th></tr>
 *   <tr><td>{@code sgd}</td><td>SgdMomentum η 0.1, μ 0.9 (heavy ball), .l2(5e-4)</td><td>none</td></tr>
 *   <tr><td>{@code nag}</td><td>SgdMomentum η 0.1, μ 0.9, Nesterov, .l2(5e-4)</td><td>none</td></tr>
 *   <tr><td>{@code adamw}</td><td>AdamW η 1e-3, λ 1e-2</td><td>DecoupledWeightDecay</td></tr>
 *   <tr><td>{@code sam}</td><td>Sam(ρ 0.2) over {@code sgd}</td><td>SharpnessAware (SAM)</td></tr>
 *   <tr><td>{@code msam}</td><td>Msam(ρ 3) over {@code sgd}</td><td>SharpnessAware (MSAM)</td></tr>
 *   <tr><td>{@code msam-adamw}</td><td>Msam(ρ 3) over {@code adamw} (recorded as {@code msamAdamW} in earlier
 *   results)</td><td>SharpnessAware (MSAM)</td></tr>
 *   <tr><td>{@code nd4jNesterovs}</td><td>ND4J Nesterovs(0.1, 0.9), .l2(5e-4)</td><td>none</td></tr>
 *   <tr><td>{@code nd4jAdam}</td><td>ND4J Adam(1e-3)</td><td>none</td></tr>
 * </table>
 * Every other name of the catalog ({@code asam}, {@code sam-adamw}, ...) is accepted too, with the same values;
 * {@code esam} and {@code mesa} take the library's defaults (ESAM β = γ = 0.5), except that MESA's distillation runs
 * from epoch 0 (the benchmarks' {@code fit(DataSet)} never advances DL4J's epoch counter, so E_start = 5 would
 * measure the base optimizer).
 */
public final class Optimizers {
    /** The names the benchmarks measure by default: catalog names, then the ND4J baselines. */
    public static final List<String> NAMES = List.of("sgd", "nag", "adamw", "sam", "msam", "msam-adamw",
            Optimizers.ND4J_NESTEROVS, Optimizers.ND4J_ADAM);
    /** ND4J's Nesterovs, a baseline outside the catalog. */
    static final String ND4J_NESTEROVS = "nd4jNesterovs";
    /** ND4J's Adam, a baseline outside the catalog. */
    static final String ND4J_ADAM = "nd4jAdam";

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
        return (SgdMomentum) (nesterov ? Optimizer.NAG : Optimizer.SGD).updater(hyper(Optimizer.SGD));
    }

    /** @return our AdamW: η {@value #ADAMW_LR}, λ {@value #ADAMW_DECAY} */
    static AdamW adamW() {
        return (AdamW) Optimizer.ADAMW.updater(hyper(Optimizer.ADAMW));
    }

    /** @return the reference hyper-parameters for an optimizer of the catalog */
    static Optimizer.Hyper hyper(Optimizer o) {
        boolean adamw = o.base() == Base.ADAMW;
        Optimizer.Hyper h = new Optimizer.Hyper(adamw ? ADAMW_LR : SGD_LR, MOMENTUM, ADAMW_DECAY)
                .rho(o.takesRho() && o.rule().rhoScale() == RhoScale.MSAM ? MSAM_RHO : SAM_RHO);
        // MESA's distillation from epoch 0: the benchmarks call fit(DataSet), which never advances DL4J's epoch.
        if (o.rule() != null && o.rule().findHyperparameter(MESA_START_EPOCH).isPresent()) {
            h.set(MESA_START_EPOCH, 0);
        }
        return h;
    }

    /** MESA's E_start, which the benchmarks set to 0. */
    private static final String MESA_START_EPOCH = "mesaStartEpoch";

    /**
     * @param name a name of the catalog, or one of the ND4J baselines
     * @return the updater configuration
     */
    public static IUpdater updater(String name) {
        if (ND4J_NESTEROVS.equals(name)) {
            return new Nesterovs(SGD_LR, MOMENTUM);
        }
        if (ND4J_ADAM.equals(name)) {
            return new Adam(ADAMW_LR);
        }
        Optimizer o = catalog(name);
        return o.updater(hyper(o));
    }

    private static Optimizer catalog(String name) {
        try {
            return Optimizer.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown optimizer \"" + name + "\"; expected one of "
                    + String.join(", ", NAMES) + " or another name of the catalog (" + Optimizer.validNames() + ")");
        }
    }

    /**
     * @param name an optimizer name as recorded in a result: the catalog's, an earlier spelling of it, or a
     *             benchmark-only variant
     * @return the catalog's name for it, or the name unchanged when it is not in the catalog
     */
    public static String canonical(String name) {
        try {
            return Optimizer.parse(name).name();
        } catch (IllegalArgumentException e) {
            return name;
        }
    }

    /** @return the coupled weight decay (DL4J's .l2) the optimizer trains with: SGD bases only */
    public static double l2(String name) {
        if (ND4J_ADAM.equals(name)) {
            return 0;
        }
        return ND4J_NESTEROVS.equals(name) || catalog(name).coupledDecay() ? Models.L2 : 0;
    }

    /**
     * @param name a name of the catalog, or one of the ND4J baselines
     * @return the base optimizer's name in the catalog for a sharpness-aware one ({@code msam-adamw}: {@code adamw}),
     *     else null
     */
    public static String baseOf(String name) {
        if (ND4J_NESTEROVS.equals(name) || ND4J_ADAM.equals(name)) {
            return null;
        }
        Optimizer o = catalog(name);
        return o.sharpnessAware() ? Optimizer.plain(o.base()).name() : null;
    }

    /**
     * Builds model {@code model} with optimizer {@code name} and installs the listener it needs.
     *
     * @param model one of {@link Models#NAMES}
     * @param name  a name of the catalog, or one of the ND4J baselines
     * @return the initialised network, ready to {@code fit}
     */
    public static Model network(String model, String name) {
        return install(name, Models.build(model, updater(name), l2(name)));
    }

    /**
     * Installs the listener optimizer {@code name} needs on a network built with {@link #updater} and {@link #l2}.
     *
     * @param name a name of the catalog, or one of the ND4J baselines
     * @param net  the network
     * @return the network
     */
    static Model install(String name, Model net) {
        if (!ND4J_NESTEROVS.equals(name) && !ND4J_ADAM.equals(name)) {
            catalog(name).install(net);
        }
        return net;
    }
}
