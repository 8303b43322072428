package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.msam.config.AdamW;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.rules.Base;
import org.msam.rule.Need;
import org.msam.rules.Rules;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * One MLP (IN → tanh HIDDEN → softmax OUT, cross-entropy, coupled L2 on every parameter) as a MultiLayerNetwork, a
 * ComputationGraph and a SameDiff graph, from the same initial weights on the same mini-batches: the three hosts
 * follow the same trajectory under every rule, epoch by epoch.
 */
class CrossHostTest {
    static final int IN = SdMlp.IN;
    static final int HIDDEN = SdMlp.HIDDEN;
    static final int OUT = SdMlp.OUT;
    static final int EPOCHS = 3;
    static final double TOL = 1e-12;
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final AdamW ADAMW = AdamW.builder().learningRate(1e-2).weightDecay(0.05).build();

    /**
     * An optimizer the three hosts train with: plain SGD, and every registered rule over every base that runs on the
     * SameDiff MLP ({@link RuleCases.Case#onSameDiff()}; the others are compared across the network types in
     * {@link RuleContractTest}).
     */
    static final class Rule {
        static final Rule SGD_PLAIN = new Rule("sgd", CrossHostTest.SGD, 1e-3, null);

        final String name;
        final IUpdater updater;
        final double l2;
        final RuleCases.Case form;

        Rule(String name, IUpdater updater, double l2, RuleCases.Case form) {
            this.name = name;
            this.updater = updater;
            this.l2 = l2;
            this.form = form;
        }

        static Rule of(RuleCases.Case c) {
            return new Rule(c.toString(), c.updater(), c.l2(), c);
        }

        /** @return plain SGD, then every registered rule over every base that runs on the three hosts */
        static List<Rule> all() {
            List<Rule> r = new ArrayList<>(List.of(SGD_PLAIN));
            for (RuleCases.Case c : RuleCases.all()) {
                if (c.onSameDiff()) {
                    r.add(of(c));
                }
            }
            return r;
        }

        boolean sharpnessAware() {
            return form != null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static NeuralNetConfiguration.Builder base(Rule r) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(r.updater).weightInit(WeightInit.XAVIER);
        return r.l2 > 0 ? b.l2(r.l2).l2Bias(r.l2) : b;
    }

    static DenseLayer hidden() {
        return new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build();
    }

    static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                .activation(Activation.SOFTMAX).build();
    }

    static void setParams(Model net, double[] sd) {
        net.setParams(Nd4j.createFromArray(SdMlp.toDl4j(sd)).reshape(1, sd.length));
    }

    /** @return the weights after each epoch, each as SdMlp's flat vector */
    static List<double[]> trainNetwork(Rule r, boolean graph, double[] theta0, List<DataSet> batches) {
        return trainNetwork(r, graph, theta0, batches, new TrainingListener[0]);
    }

    static List<double[]> trainNetwork(Rule r, boolean graph, double[] theta0, List<DataSet> batches,
                                       TrainingListener... extras) {
        Model net;
        if (graph) {
            ComputationGraph g = new ComputationGraph(base(r).graphBuilder().addInputs("in")
                    .addLayer("h", hidden(), "in").addLayer("out", output(), "h").setOutputs("out").build());
            g.init();
            net = g;
        } else {
            MultiLayerNetwork m = new MultiLayerNetwork(base(r).list().layer(hidden()).layer(output()).build());
            m.init();
            net = m;
        }
        setParams(net, theta0);
        if (r.sharpnessAware()) {
            if (graph) {
                SharpnessAware.install((ComputationGraph) net, extras);
            } else {
                SharpnessAware.install((MultiLayerNetwork) net, extras);
            }
        } else {
            DecoupledWeightDecay.install(net);
        }
        List<double[]> epochs = new ArrayList<>();
        for (int e = 0; e < EPOCHS; e++) {
            if (graph) {
                ((ComputationGraph) net).fit(Nets.iterator(batches));
            } else {
                ((MultiLayerNetwork) net).fit(Nets.iterator(batches));
            }
            double[] dl4j = net.params().toDoubleVector();
            double[] sd = new double[dl4j.length];
            double[] back = SdMlp.toDl4j(identity(dl4j.length));
            for (int i = 0; i < sd.length; i++) {
                sd[(int) back[i]] = dl4j[i];
            }
            epochs.add(sd);
        }
        return epochs;
    }

    private static double[] identity(int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    static List<double[]> trainSameDiff(Rule r, double[] theta0, List<DataSet> batches,
                                        TrainingListener... extras) {
        SameDiff sd = SdMlp.build(theta0, r.updater, r.l2);
        if (r.sharpnessAware()) {
            SharpnessAware.install(sd, extras);
        } else {
            DecoupledWeightDecay.install(sd);
        }
        List<double[]> epochs = new ArrayList<>();
        for (int e = 0; e < EPOCHS; e++) {
            sd.fit(Nets.iterator(batches), 1);
            epochs.add(SdMlp.params(sd));
        }
        return epochs;
    }

    static List<Rule> rules() {
        return Rule.all();
    }

    /** The rules whose step gradient SameDiff's clipping can take: those that add no term to it after its pass. */
    static List<Rule> clippable() {
        List<Rule> r = new ArrayList<>();
        for (Rule x : Rule.all()) {
            if (x.sharpnessAware() && !x.form.rule.needs(Need.STEP_GRADIENT_TERM)) {
                r.add(x);
            }
        }
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void networksAndSameDiffFollowTheSameTrajectory(Rule r) {
        double[] theta0 = SdMlp.initial(21);
        List<DataSet> batches = Nets.batches(5, 8, 23, DataType.DOUBLE);
        List<double[]> mln = trainNetwork(r, false, theta0, batches);
        List<double[]> cg = trainNetwork(r, true, theta0, batches);
        List<double[]> sd = trainSameDiff(r, theta0, batches);
        for (int e = 0; e < EPOCHS; e++) {
            double moved = Data.maxRelErr(mln.get(e), theta0);
            assertTrue(moved > 1e-3, r + ": training moved the weights (" + moved + ")");
            assertClose(mln.get(e), cg.get(e), r + " epoch " + e + ": ComputationGraph vs MultiLayerNetwork");
            assertClose(mln.get(e), sd.get(e), r + " epoch " + e + ": SameDiff vs MultiLayerNetwork");
        }
    }

    /**
     * Global gradient-norm clipping (tight enough to act at every step) and, with MSAM, the diagnostics give the same
     * trajectory and the same records on the three hosts.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("clippable")
    void clippingAndDiagnosticsAreTheSameOnEveryHost(Rule r) {
        double[] theta0 = SdMlp.initial(25);
        List<DataSet> batches = Nets.batches(5, 8, 26, DataType.DOUBLE);
        boolean msam = r.form.rule.needs(Need.HELD_PERTURBATION) && r.form.rule.needs(Need.BASE_MOMENTUM);
        List<List<MsamDiagnostics.Row>> rows = new ArrayList<>();
        List<List<double[]>> trajectories = new ArrayList<>();
        for (int host = 0; host < 3; host++) {
            GlobalGradientClipping clip = new GlobalGradientClipping(0.05);
            MsamDiagnostics diag = new MsamDiagnostics(null, 2);
            TrainingListener[] extras = msam ? new TrainingListener[] {clip, diag} : new TrainingListener[] {clip};
            trajectories.add(host == 2 ? trainSameDiff(r, theta0, batches, extras)
                    : trainNetwork(r, host == 1, theta0, batches, extras));
            assertTrue(clip.lastNorm() > 0.05, r + ": clipping acts (last norm " + clip.lastNorm() + ")");
            rows.add(diag.rows());
        }
        for (int e = 0; e < EPOCHS; e++) {
            assertClose(trajectories.get(0).get(e), trajectories.get(1).get(e), r + " epoch " + e + ": graph");
            assertClose(trajectories.get(0).get(e), trajectories.get(2).get(e), r + " epoch " + e + ": SameDiff");
        }
        if (!msam) {
            return;
        }
        assertEquals(EPOCHS * batches.size() / 2 + 1, rows.get(0).size(), "rows every 2 iterations");
        for (int host = 1; host < 3; host++) {
            assertEquals(rows.get(0).size(), rows.get(host).size());
            for (int i = 0; i < rows.get(0).size(); i++) {
                MsamDiagnostics.Row a = rows.get(0).get(i);
                MsamDiagnostics.Row b = rows.get(host).get(i);
                String what = r + " host " + host + " row " + i;
                assertEquals(a.iteration, b.iteration, what);
                assertEquals(a.cosine, b.cosine, 1e-10, what + " cosine");
                assertEquals(a.momentumNorm, b.momentumNorm, 1e-12 * Math.max(1, a.momentumNorm), what + " ‖v‖");
                assertEquals(a.c, b.c, 1e-12 * Math.max(1, Math.abs(a.c)), what + " c");
                if (r.l2 == 0) {
                    assertEquals(a.lossTheta, b.lossTheta, 1e-12, what + " loss at θ");
                    assertEquals(a.lossThetaTilde, b.lossThetaTilde, 1e-12, what + " loss at θ̃");
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void clippingOnSameDiffIsRefusedForARuleThatChangesTheStepGradient() {
        IUpdater lookSam = org.msam.config.LookSam.builder().base(SGD).rho(0.1).period(3).alpha(0.5).build();
        SameDiff sd = SdMlp.build(SdMlp.initial(3), lookSam, 0);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> SharpnessAware.install(sd, new GlobalGradientClipping(1)));
        assertTrue(e.getMessage().startsWith("GlobalGradientClipping on SameDiff needs the step gradient's norm"),
                e.getMessage());
    }

    /**
     * SAM reports the loss of its first pass, at θ, on both hosts (a network's score, the {@code Loss} SameDiff hands
     * its listeners), not the second pass's at θ + e.
     */
    @org.junit.jupiter.api.Test
    void samReportsTheFirstPassLossOnEveryHost() {
        Rule r = Rule.of(new RuleCases.Case(Rules.get("sam"), Base.ADAMW));
        double[] theta0 = SdMlp.initial(22);
        List<DataSet> batches = Nets.batches(5, 8, 24, DataType.DOUBLE);
        List<Double> network = new ArrayList<>();
        MultiLayerNetwork m = new MultiLayerNetwork(base(r).list().layer(hidden()).layer(output()).build());
        m.init();
        setParams(m, theta0);
        SharpnessAware.install(m, new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                network.add(model.score());
            }
        });
        m.fit(Nets.iterator(batches));

        List<Double> sameDiff = new ArrayList<>();
        SameDiff sd = SdMlp.build(theta0, r.updater, 0);
        SharpnessAware.install(sd);
        sd.addListeners(new org.nd4j.autodiff.listeners.BaseListener() {
            @Override
            public boolean isActive(org.nd4j.autodiff.listeners.Operation operation) {
                return true;
            }

            @Override
            public void iterationDone(SameDiff s, org.nd4j.autodiff.listeners.At at,
                                      org.nd4j.linalg.dataset.api.MultiDataSet data,
                                      org.nd4j.autodiff.listeners.Loss loss) {
                sameDiff.add(loss.getLosses()[0]);
            }
        });
        sd.fit(Nets.iterator(batches), 1);

        // With clipping, SameDiff runs one more pass at θ + e; the loss reported is still the first pass's.
        List<Double> clipped = new ArrayList<>();
        SameDiff sdClipped = SdMlp.build(theta0, r.updater, 0);
        SharpnessAware.install(sdClipped, new GlobalGradientClipping(1e3));
        sdClipped.addListeners(new org.nd4j.autodiff.listeners.BaseListener() {
            @Override
            public boolean isActive(org.nd4j.autodiff.listeners.Operation operation) {
                return true;
            }

            @Override
            public void iterationDone(SameDiff s, org.nd4j.autodiff.listeners.At at,
                                      org.nd4j.linalg.dataset.api.MultiDataSet data,
                                      org.nd4j.autodiff.listeners.Loss loss) {
                clipped.add(loss.getLosses()[0]);
            }
        });
        sdClipped.fit(Nets.iterator(batches), 1);

        SdMlp.Oracle oracle = new SdMlp.Oracle();
        assertEquals(batches.size(), clipped.size());
        assertEquals(batches.size(), network.size());
        assertEquals(batches.size(), sameDiff.size());
        double first = oracle.loss(theta0, batches.get(0));
        assertEquals(first, sameDiff.get(0), 1e-12, "SameDiff: loss at θ0 on the first batch");
        for (int i = 0; i < batches.size(); i++) {
            assertEquals(network.get(i), sameDiff.get(i), 1e-12, "iteration " + i);
            assertEquals(sameDiff.get(i), clipped.get(i), 1e-12, "iteration " + i + " with clipping (not acting)");
        }
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": parameter count");
        double err = Data.maxRelErr(actual, expected);
        assertTrue(err <= TOL, what + ": relative error " + err);
    }

}
