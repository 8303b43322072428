package org.msam.examples.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.msam.config.AdamW;
import org.msam.config.Esam;
import org.msam.config.LookSam;
import org.msam.config.Mesa;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.dl4j.DecoupledWeightDecay;
import org.msam.dl4j.SharpnessAware;
import org.msam.schedule.OffThenOnSchedule;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

/**
 * The catalog of optimizers shared by the example program and the benchmarks: a {@link Method} (the base alone,
 * SAM, adaptive SAM or MSAM) over a {@link Base} (SGD with heavy-ball momentum, Nesterov, AdamW). Every
 * behaviour (which updater, whether the sharpness-aware listener is needed, coupled or decoupled weight decay)
 * follows from these two typed values.
 *
 * <p>Names: a plain optimizer is named by its base ({@code sgd}, {@code nag}, {@code adamw}); a sharpness-aware
 * one by its method over SGD ({@code sam}, {@code asam}, {@code msam}, {@code amsam} adaptive MSAM, {@code bnsam}
 * and {@code bnmsam} BN-only SAM and MSAM, {@code looksam}, {@code esam}, {@code mesa}) and by {@code <method>-<base>}
 * otherwise
 * ({@code msam-adamw}, {@code sam-adamw}, {@code asam-nag}, ...). {@link #parse} also reads the benchmarks' earlier
 * spellings ({@code msamAdamW}, {@code msamSgd}, {@code sgdMomentum}, {@code sgdNesterov}), so that results
 * recorded under them stay readable.
 */
public final class Optimizer {
    /** The base optimizer: the step that is taken, with the gradient a method supplies. */
    public enum Base {
        /** {@link SgdMomentum}, heavy-ball momentum ({@code torch.optim.SGD}). */
        SGD("sgd"),
        /** {@link SgdMomentum} with Nesterov momentum. */
        NAG("nag"),
        /** {@link AdamW} with decoupled weight decay ({@code torch.optim.AdamW}). */
        ADAMW("adamw");

        private final String cliName;

        Base(String cliName) {
            this.cliName = cliName;
        }

        /** @return the name on the command line ({@code --base}) */
        public String cliName() {
            return cliName;
        }

        /**
         * @param name a base name (any case)
         * @return the base
         * @throws IllegalArgumentException naming {@code --base} and the valid names
         */
        public static Base parse(String name) {
            for (Base b : values()) {
                if (b.cliName.equalsIgnoreCase(name == null ? "" : name.trim())) {
                    return b;
                }
            }
            throw new IllegalArgumentException("Unknown --base '" + name + "'; valid names: sgd, nag, adamw");
        }
    }

    /** The method: how the gradient the base steps with is obtained. */
    public enum Method {
        /** The base optimizer alone. */
        PLAIN(null),
        /** SAM (Foret et al. 2021): the gradient at θ + ρ·g/‖g‖, two passes per step. */
        SAM("sam"),
        /** Adaptive SAM (Kwon et al. 2021): SAM with a perturbation scaled by |θ| + η_a. */
        ASAM("asam"),
        /** Momentum-SAM: the gradient at θ − ρ·v/‖v‖, one pass per step. */
        MSAM("msam"),
        /** Adaptive MSAM: MSAM with a perturbation scaled by (|θ| + η_a)², one pass per step. */
        AMSAM("amsam"),
        /** BN-only SAM (Mueller et al. 2023): SAM's perturbation on the normalisation layers' γ and β only. */
        BNSAM("bnsam"),
        /** BN-only MSAM: MSAM's perturbation on the normalisation layers' γ and β only. */
        BNMSAM("bnmsam"),
        /** LookSAM (Liu et al. 2022): a SAM step every 5 iterations, the last one's g_v in between (α 0.7). */
        LOOKSAM("looksam"),
        /**
         * ESAM (Du et al. 2022b): SAM with half of the variables perturbed and the second pass on the half of the
         * mini-batch whose loss rises most (β = γ = 0.5).
         */
        ESAM("esam"),
        /** MESA (Du et al. 2022a): distillation from the EMA of the weights (λ 0.8, τ 5, β_e 0.9998, from epoch 5). */
        MESA("mesa");

        private final String cliName;

        Method(String cliName) {
            this.cliName = cliName;
        }

        /** @return the name on the command line ({@code --optimizer}); null for {@link #PLAIN} */
        public String cliName() {
            return cliName;
        }
    }

    /** {@code sgd}. */
    public static final Optimizer SGD = new Optimizer(Method.PLAIN, Base.SGD);
    /** {@code nag}. */
    public static final Optimizer NAG = new Optimizer(Method.PLAIN, Base.NAG);
    /** {@code adamw}. */
    public static final Optimizer ADAMW = new Optimizer(Method.PLAIN, Base.ADAMW);
    /** {@code sam}: SAM over SGD. */
    public static final Optimizer SAM = new Optimizer(Method.SAM, Base.SGD);
    /** {@code asam}: adaptive SAM over SGD. */
    public static final Optimizer ASAM = new Optimizer(Method.ASAM, Base.SGD);
    /** {@code msam}: MSAM over SGD. */
    public static final Optimizer MSAM = new Optimizer(Method.MSAM, Base.SGD);
    /** {@code msam-adamw}: MSAM over AdamW. */
    public static final Optimizer MSAM_ADAMW = new Optimizer(Method.MSAM, Base.ADAMW);

    private static final Map<String, Optimizer> BY_NAME = new LinkedHashMap<>();
    private static final Map<String, Optimizer> LEGACY = Map.of("msamadamw", MSAM_ADAMW, "msamsgd", MSAM,
            "sgdmomentum", SGD, "sgdnesterov", NAG);

    static {
        for (Method m : Method.values()) {
            for (Base b : Base.values()) {
                Optimizer o = new Optimizer(m, b);
                BY_NAME.put(o.name(), o);
            }
        }
    }

    private final Method method;
    private final Base base;

    private Optimizer(Method method, Base base) {
        this.method = method;
        this.base = base;
    }

    /**
     * @param method the method
     * @param base   the base optimizer
     * @return the optimizer
     */
    public static Optimizer of(Method method, Base base) {
        return new Optimizer(method, base);
    }

    /** @return every optimizer of the catalog, plain ones first */
    public static List<Optimizer> all() {
        return Collections.unmodifiableList(new ArrayList<>(BY_NAME.values()));
    }

    /** The methods' names, for messages. */
    static final String METHODS = "sam, asam, msam, amsam, bnsam, bnmsam, looksam, esam, mesa";

    /** The valid names, in words, for messages. */
    public static final String VALID_NAMES = "sgd, nag, adamw, " + METHODS + ", or a method over another base as "
            + "<method>-nag or <method>-adamw (e.g. msam-adamw)";

    /** @return the names {@link #parse} accepts (without the earlier spellings) */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /**
     * @param name a name of the catalog ({@code msam-adamw}, ...) or an earlier spelling ({@code msamAdamW})
     * @return the optimizer
     * @throws IllegalArgumentException listing the valid names
     */
    @JsonCreator
    public static Optimizer parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        Optimizer o = BY_NAME.get(n);
        if (o == null) {
            o = LEGACY.get(n);
        }
        if (o == null) {
            throw new IllegalArgumentException("Unknown optimizer '" + name + "'" + didYouMean(name) + "; valid names: "
                    + VALID_NAMES);
        }
        return o;
    }

    /**
     * @param name a name that is not in the catalog
     * @return {@code " (did you mean 'msam'?)"} for the closest name within two edits, else ""
     */
    static String didYouMean(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = 3;
        for (String candidate : BY_NAME.keySet()) {
            int d = editDistance(n, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best == null || n.isEmpty() ? "" : " (did you mean '" + best + "'?)";
    }

    /** @return the Levenshtein distance of two strings */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The command line's composition: {@code --optimizer sgd|nag|adamw|sam|asam|msam} with {@code --base} for the
     * sharpness-aware ones; a combined name such as {@code msam-adamw} is accepted for {@code --optimizer} too.
     *
     * @param optimizer the {@code --optimizer} value
     * @param base      the {@code --base} value, or null (SGD for the sharpness-aware ones)
     * @return the optimizer
     * @throws IllegalArgumentException for an unknown name, or a {@code --base} that contradicts the optimizer
     */
    public static Optimizer fromCli(String optimizer, String base) {
        Optimizer o;
        try {
            o = parse(optimizer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown --optimizer '" + optimizer + "'" + didYouMean(optimizer)
                    + "; valid names: sgd, nag, "
                    + "adamw, " + METHODS + " (with --base sgd|nag|adamw for the methods), or a combined name such as "
                    + "msam-adamw");
        }
        if (base == null) {
            return o;
        }
        Base b = Base.parse(base);
        if (o.method == Method.PLAIN) {
            if (o.base != b) {
                throw new IllegalArgumentException("--base " + base + " contradicts --optimizer " + optimizer
                        + ": --base applies to sam, asam and msam; for a plain optimizer write --optimizer "
                        + b.cliName + " alone");
            }
            return o;
        }
        if (o.base != Base.SGD && o.base != b) {
            throw new IllegalArgumentException("--base " + base + " contradicts --optimizer " + optimizer
                    + ": write --optimizer " + o.method.cliName + " --base " + b.cliName);
        }
        return of(o.method, b);
    }

    /** @return the method */
    public Method method() {
        return method;
    }

    /** @return the base optimizer */
    public Base base() {
        return base;
    }

    /** @return the name: the base's for a plain optimizer, the method's over SGD, else method-base */
    @JsonValue
    public String name() {
        if (method == Method.PLAIN) {
            return base.cliName;
        }
        return base == Base.SGD ? method.cliName : method.cliName + "-" + base.cliName;
    }

    /** @return true for SAM, adaptive SAM and MSAM, which need {@code SharpnessAware.install} */
    public boolean sharpnessAware() {
        return method != Method.PLAIN;
    }

    /** The methods that take a ρ, for messages. */
    static final String RHO_METHODS = "sam, asam, msam, amsam, bnsam, bnmsam, looksam, esam";

    /** @return true for the methods with a perturbation radius ρ: every sharpness-aware one but MESA */
    public boolean takesRho() {
        return sharpnessAware() && method != Method.MESA;
    }

    /** @return true for SAM, adaptive SAM, BN-only SAM, LookSAM and ESAM, the methods that take SAM steps */
    public boolean samFamily() {
        return method == Method.SAM || method == Method.ASAM || method == Method.BNSAM || method == Method.LOOKSAM
                || method == Method.ESAM;
    }

    /** @return true for MSAM and its adaptive and BN-only forms, which keep the perturbed weights between steps */
    public boolean msam() {
        return method == Method.MSAM || method == Method.AMSAM || method == Method.BNMSAM;
    }

    /** @return true when the weight decay is DL4J's coupled l2 (SGD bases); false for AdamW's decoupled decay */
    public boolean coupledDecay() {
        return base != Base.ADAMW;
    }

    /**
     * @return the papers' ρ when none is given: 0.05 for SAM (Foret et al.), BN-only SAM, LookSAM and ESAM, 0.5 for ASAM
     *     (Kwon et al.), 3 for MSAM and its forms (tune it for adaptive and BN-only MSAM: their perturbations are
     *     scaled differently); MESA has none (its value is unused)
     */
    public double defaultRho() {
        switch (method) {
            case SAM:
                return Sam.DEFAULT_RHO;
            case ASAM:
                return 0.5;
            case BNSAM:
                return Sam.DEFAULT_RHO;
            case LOOKSAM:
                return LookSam.DEFAULT_RHO;
            case ESAM:
                return Esam.DEFAULT_RHO;
            default:
                return Msam.DEFAULT_RHO;
        }
    }

    /**
     * ρ when none is given, per model family: for MSAM (any base) on the small models the value measured best on them
     * (the paper's ρ = 3 is for WRN, ResNet and ViT and breaks the small ones: README, "Choosing ρ"), otherwise
     * {@link #defaultRho()}.
     *
     * @param model the model name ({@code --model})
     * @return the default ρ of this optimizer on that model
     */
    public double defaultRho(String model) {
        if (method == Method.MSAM && model != null) {
            switch (model) {
                case "small-cnn":
                    return SMALL_CNN_MSAM_RHO;
                case "mlp":
                    return MLP_MSAM_RHO;
                default:
                    break;
            }
        }
        return defaultRho();
    }

    /** MSAM's default ρ on the small CNN, from the grid in the README ("Choosing ρ"). */
    static final double SMALL_CNN_MSAM_RHO = 0.3;
    /** MSAM's default ρ on the MLP, from the grid of docs/RESULTS.md (ρ 0.3, 1, 3 over three seeds). */
    static final double MLP_MSAM_RHO = 1.0;

    /**
     * The updater configuration of this optimizer; only the chosen optimizer is built.
     *
     * @param h the hyper-parameters
     * @return the updater
     */
    public IUpdater updater(Hyper h) {
        IUpdater b;
        if (base == Base.ADAMW) {
            AdamW.Builder a = AdamW.builder().beta1(h.momentum).weightDecay(h.weightDecay);
            b = (h.learningRate != null ? a.learningRate(h.learningRate) : a.learningRate(h.fixedLearningRate)).build();
        } else {
            SgdMomentum.Builder g = SgdMomentum.builder().momentum(h.momentum).nesterov(base == Base.NAG);
            b = (h.learningRate != null ? g.learningRate(h.learningRate) : g.learningRate(h.fixedLearningRate))
                    .build();
        }
        double rho = h.rho == null ? defaultRho() : h.rho;
        switch (method) {
            case SAM:
                return Sam.builder().base(b).rho(rho).build();
            case ASAM:
                return Sam.builder().base(b).rho(rho).adaptive(true)
                        .adaptiveEta(h.adaptiveEta == null ? Sam.DEFAULT_ADAPTIVE_ETA : h.adaptiveEta).build();
            case BNSAM:
                return Sam.builder().base(b).rho(rho).normalizationOnly(true).build();
            case LOOKSAM:
                return LookSam.builder().base(b).rho(rho).build();
            case ESAM:
                return Esam.builder().base(b).rho(rho)
                        .weightFraction(h.weightFraction == null ? Esam.DEFAULT_WEIGHT_FRACTION : h.weightFraction)
                        .sampleFraction(h.sampleFraction == null ? Esam.DEFAULT_SAMPLE_FRACTION : h.sampleFraction)
                        .seed(h.seed).build();
            case MESA:
                return Mesa.builder().base(b).lambda(h.mesaLambda == null ? Mesa.DEFAULT_LAMBDA : h.mesaLambda)
                        .temperature(h.temperature == null ? Mesa.DEFAULT_TEMPERATURE : h.temperature)
                        .emaDecay(h.emaDecay == null ? Mesa.DEFAULT_EMA_DECAY : h.emaDecay)
                        .startEpoch(h.mesaStartEpoch == null ? Mesa.DEFAULT_START_EPOCH : h.mesaStartEpoch).build();
            case MSAM:
            case AMSAM:
            case BNMSAM:
                Msam.Builder m = Msam.builder().base(b).rho(rho).normalizationOnly(method == Method.BNMSAM);
                if (method == Method.AMSAM) {
                    m.adaptive(true).adaptiveEta(h.adaptiveEta == null ? Msam.DEFAULT_ADAPTIVE_ETA : h.adaptiveEta);
                }
                if (h.rhoOffEpochs > 0) {
                    m.rhoSchedule(new OffThenOnSchedule(ScheduleType.EPOCH, h.rhoOffEpochs, rho));
                }
                return m.build();
            default:
                return b;
        }
    }

    /**
     * Installs what the optimizer needs on an initialised network: {@code SharpnessAware.install} (with the
     * listeners) for the sharpness-aware ones, else the listeners and, for AdamW, {@code DecoupledWeightDecay.install}.
     *
     * @param net       the initialised network
     * @param listeners the listeners to train with
     */
    public void install(Model net, TrainingListener... listeners) {
        if (sharpnessAware()) {
            if (net instanceof MultiLayerNetwork) {
                SharpnessAware.install((MultiLayerNetwork) net, listeners);
            } else {
                SharpnessAware.install((ComputationGraph) net, listeners);
            }
        } else {
            net.setListeners(listeners);
            if (base == Base.ADAMW) {
                DecoupledWeightDecay.install(net);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Optimizer && ((Optimizer) o).method == method && ((Optimizer) o).base == base;
    }

    @Override
    public int hashCode() {
        return method.hashCode() * 31 + base.hashCode();
    }

    @Override
    public String toString() {
        return name();
    }

    /** The hyper-parameters an {@link Optimizer} is built with. */
    public static final class Hyper {
        final ISchedule learningRate;
        final double fixedLearningRate;
        final double momentum;
        final double weightDecay;
        Double rho;
        int rhoOffEpochs;
        Double adaptiveEta;
        Double weightFraction;
        Double sampleFraction;
        long seed = Esam.DEFAULT_SEED;
        Double mesaLambda;
        Double temperature;
        Double emaDecay;
        Integer mesaStartEpoch;

        /**
         * @param learningRate the learning-rate schedule
         * @param momentum     momentum of SGD/NAG, β1 of AdamW
         * @param weightDecay  AdamW's decoupled weight decay (the SGD bases take theirs as DL4J l2)
         */
        public Hyper(ISchedule learningRate, double momentum, double weightDecay) {
            this.learningRate = learningRate;
            this.fixedLearningRate = Double.NaN;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
        }

        /**
         * @param learningRate a constant learning rate
         * @param momentum     momentum of SGD/NAG, β1 of AdamW
         * @param weightDecay  AdamW's decoupled weight decay (the SGD bases take theirs as DL4J l2)
         */
        public Hyper(double learningRate, double momentum, double weightDecay) {
            this.learningRate = null;
            this.fixedLearningRate = learningRate;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
        }

        /** @param rho ρ of the sharpness-aware methods (null: {@link Optimizer#defaultRho()}) @return this */
        public Hyper rho(Double rho) {
            this.rho = rho;
            return this;
        }

        /** @param epochs MSAM's ρ is 0 for this many epochs, then full @return this */
        public Hyper rhoOffEpochs(int epochs) {
            this.rhoOffEpochs = epochs;
            return this;
        }

        /** @param eta η_a of adaptive SAM (null: the library's default) @return this */
        public Hyper adaptiveEta(Double eta) {
            this.adaptiveEta = eta;
            return this;
        }

        /**
         * @param weightFraction ESAM's β (null: the library's default)
         * @param sampleFraction ESAM's γ (null: the library's default)
         * @param seed           the seed of ESAM's weight masks (the run's seed)
         * @return this
         */
        public Hyper esam(Double weightFraction, Double sampleFraction, long seed) {
            this.weightFraction = weightFraction;
            this.sampleFraction = sampleFraction;
            this.seed = seed;
            return this;
        }

        /**
         * @param lambda      MESA's λ (null: the library's default)
         * @param temperature MESA's τ (null: the library's default)
         * @param emaDecay    MESA's β_e (null: the library's default)
         * @param startEpoch  MESA's E_start (null: the library's default)
         * @return this
         */
        public Hyper mesa(Double lambda, Double temperature, Double emaDecay, Integer startEpoch) {
            this.mesaLambda = lambda;
            this.temperature = temperature;
            this.emaDecay = emaDecay;
            this.mesaStartEpoch = startEpoch;
            return this;
        }
    }
}
