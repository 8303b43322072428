package org.msam.rules;

import java.util.Locale;

import org.msam.config.AdamW;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The base optimizers a rule steps with: the step that is taken, with the gradient the rule supplies.
 */
public enum Base {
    /** {@link SgdMomentum}, heavy-ball momentum ({@code torch.optim.SGD}); weight decay as DL4J's coupled l2. */
    SGD("sgd"),
    /** {@link SgdMomentum} with Nesterov momentum; weight decay as DL4J's coupled l2. */
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

    /** @return true when the weight decay is DL4J's coupled l2 (SGD, NAG); false for AdamW's decoupled decay */
    public boolean coupledDecay() {
        return this != ADAMW;
    }

    /**
     * @param learningRate the learning-rate schedule, or null for the constant {@code fixedLearningRate}
     * @param fixedLearningRate the constant learning rate when {@code learningRate} is null
     * @param momentum     momentum of SGD and NAG, β1 of AdamW
     * @param weightDecay  AdamW's decoupled weight decay (SGD and NAG take theirs as DL4J's l2: ignored here)
     * @return the base's updater configuration
     */
    public IUpdater updater(ISchedule learningRate, double fixedLearningRate, double momentum, double weightDecay) {
        if (this == ADAMW) {
            AdamW.Builder a = AdamW.builder().beta1(momentum).weightDecay(weightDecay);
            return (learningRate != null ? a.learningRate(learningRate) : a.learningRate(fixedLearningRate)).build();
        }
        SgdMomentum.Builder g = SgdMomentum.builder().momentum(momentum).nesterov(this == NAG);
        return (learningRate != null ? g.learningRate(learningRate) : g.learningRate(fixedLearningRate)).build();
    }

    /**
     * @param name a base name (any case)
     * @return the base
     * @throws IllegalArgumentException naming {@code --base} and the valid names
     */
    public static Base parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Base b : values()) {
            if (b.cliName.equals(n)) {
                return b;
            }
        }
        throw new IllegalArgumentException("Unknown --base '" + name + "'; valid names: sgd, nag, adamw");
    }
}
