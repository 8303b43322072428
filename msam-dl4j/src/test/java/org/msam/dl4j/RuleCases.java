package org.msam.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.msam.rules.Base;
import org.msam.rules.Hyperparameter;
import org.msam.rule.Need;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;
import org.msam.rules.Settings;
import org.msam.config.AdamW;
import org.msam.config.SgdMomentum;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The rules the contract tests run, from the registry: every registered rule over every base, each built through
 * its {@link RuleSpec} with the registry's defaults except where a few steps on a tiny network would leave part of the
 * rule idle ({@link #EXERCISED}). A rule registered in {@link Rules} is in every test that takes these cases.
 */
final class RuleCases {
    /** Coupled L2 of the SGD bases (AdamW decays its own weights, decoupled). */
    static final double L2 = 1e-3;

    /**
     * Values, by hyperparameter name, that make every part of a rule act within a few steps of a tiny network: a ρ of
     * the network's scale, MESA's distillation from the first epoch with a fast EMA, LookSAM's SAM step every second
     * iteration. A hyperparameter not named here takes its rule's default.
     */
    static final Map<String, Number> EXERCISED = Map.of(Rules.RHO, 0.1, "mesaStartEpoch", 0, "emaDecay", 0.9,
            "lookSamPeriod", 2);

    /**
     * The settings, by hyperparameter name, under which a rule is its base optimizer (the reductions of
     * docs/ALGORITHMS.md): ρ = 0; ESAM's second pass on the whole mini-batch; LookSAM's g_v term weighted 0; MESA's
     * distillation weight 0.
     */
    static final Map<String, Number> NEUTRAL = Map.of(Rules.RHO, 0.0, "sampleFraction", 1.0, "lookSamAlpha", 0.0,
            "mesaLambda", 0.0);

    private RuleCases() {
    }

    /** One registered rule over one base. */
    static final class Case {
        final RuleSpec rule;
        final Base base;

        Case(RuleSpec rule, Base base) {
            this.rule = rule;
            this.base = base;
        }

        /** @return the base optimizer's configuration: SGD η 0.1 μ 0.9 (Nesterov for NAG), AdamW η 1e-2 λ 0.05 */
        IUpdater baseUpdater() {
            return baseUpdater(null);
        }

        /** @param lr the learning-rate schedule, or null for the constant @return the base's configuration */
        IUpdater baseUpdater(ISchedule lr) {
            if (base == Base.ADAMW) {
                AdamW.Builder a = AdamW.builder().weightDecay(0.05);
                return (lr == null ? a.learningRate(1e-2) : a.learningRate(lr)).build();
            }
            SgdMomentum.Builder s = SgdMomentum.builder().momentum(0.9).nesterov(base == Base.NAG);
            return (lr == null ? s.learningRate(0.1) : s.learningRate(lr)).build();
        }

        /** @return the rule's configuration with {@link #EXERCISED} values */
        IUpdater updater() {
            return updater(Map.of(), null, null);
        }

        /**
         * @param overrides   values by hyperparameter name (those the rule has; others ignored), over
         *                    {@link #EXERCISED}
         * @param lr          the base's learning-rate schedule, or null
         * @param rhoSchedule ρ's schedule (a rule that takes one), or null
         * @return the rule's configuration
         */
        IUpdater updater(Map<String, Number> overrides, ISchedule lr, ISchedule rhoSchedule) {
            Settings s = Settings.defaults().seed(3).rhoSchedule(rhoSchedule);
            for (Hyperparameter h : rule.hyperparameters()) {
                s.set(h.name(), overrides.containsKey(h.name()) ? overrides.get(h.name()) : EXERCISED.get(h.name()));
            }
            return rule.updater(baseUpdater(lr), s);
        }

        /** @return whether the rule has a neutral setting in {@link #NEUTRAL} */
        boolean hasNeutral() {
            return rule.hyperparameters().stream().anyMatch(h -> NEUTRAL.containsKey(h.name()));
        }

        /** @return the coupled L2 of the network: {@link #L2} over SGD and NAG, 0 over AdamW */
        double l2() {
            return base.coupledDecay() ? L2 : 0;
        }

        /** @return whether the network needs normalisation layers for the rule to perturb anything */
        boolean batchNorm() {
            return rule.needs(Need.NORMALIZATION_LAYERS);
        }

        /**
         * @return whether the rule runs on the SameDiff MLP of the tests: SameDiff's loss is the user's graph, already
         *     reduced over the mini-batch (no per-sample losses, no term on the logits' gradient), and the MLP has no
         *     normalisation layers
         */
        boolean onSameDiff() {
            return !rule.needs(Need.SAMPLE_LOSSES) && !rule.needs(Need.TEACHER_FORWARD)
                    && !rule.needs(Need.NORMALIZATION_LAYERS) && !drawsInHostLayout();
        }

        /**
         * @return true for a random direction: it is drawn over the host's own layout of the parameters (DL4J's
         *     flattened W is in 'f' order, SameDiff's in 'c' order), so a SameDiff graph draws other, equally
         *     distributed directions than the network of the same model (docs/ALGORITHMS.md, "Other gradient-free
         *     perturbations")
         */
        boolean drawsInHostLayout() {
            IUpdater u = updater();
            return u instanceof org.msam.config.FreePerturbation
                    && ((org.msam.config.FreePerturbation) u).getDirection()
                    == org.msam.config.FreePerturbation.Direction.RANDOM;
        }

        @Override
        public String toString() {
            return base == Base.SGD ? rule.name() : rule.name() + "-" + base.cliName();
        }
    }

    /** @return every registered rule over every base */
    static List<Case> all() {
        List<Case> c = new ArrayList<>();
        for (RuleSpec r : Rules.all()) {
            for (Base b : Base.values()) {
                c.add(new Case(r, b));
            }
        }
        return c;
    }

    /** @return every registered rule over SGD */
    static List<Case> overSgd() {
        List<Case> c = new ArrayList<>();
        for (RuleSpec r : Rules.all()) {
            c.add(new Case(r, Base.SGD));
        }
        return c;
    }
}
