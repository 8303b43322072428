package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msam.config.Mesa;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefSgd;
import org.msam.updater.MesaUpdater;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * MESA on DL4J networks against a plain double-precision reference written from docs/ALGORITHMS.md: the EMA in
 * plain Java, the gradient of CE + λ·τ²·KL(softmax(z_ema/τ) ‖ softmax(z/τ)) from a SameDiff graph that writes that
 * loss out, the teacher's logits from the same graph at θ_ema.
 */
class MesaTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final int BATCHES = 5;

    /** SdMlp's graph with the distillation term: loss = CE + λ·τ²·mean_i(−Σ_k r_ik·log softmax(z_i/τ)_k). */
    static final class KlOracle {
        final SameDiff sd = SdMlp.build(new double[SdMlp.N]);
        final double tau;

        KlOracle(double lambda, double tau) {
            this.tau = tau;
            SDVariable teacher = sd.placeHolder("teacher", DataType.DOUBLE, -1, SdMlp.OUT);
            SDVariable logq = sd.nn.logSoftmax(sd.getVariable("logits").div(tau));
            SDVariable kl = teacher.mul(logq).sum(1).neg().mean();
            sd.getVariable("loss").add("total", kl.mul(lambda * tau * tau));
            sd.setLossVariables("total");
        }

        /** @return softmax(z/τ) at θ, in plain Java from the graph's logits */
        INDArray teacher(double[] theta, DataSet ds) {
            SdMlp.setParams(sd, theta);
            Map<String, INDArray> ph = SdMlp.placeholders(ds);
            double[][] z = sd.output(ph, "logits").get("logits").toDoubleMatrix();
            double[][] r = new double[z.length][];
            for (int i = 0; i < z.length; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (double x : z[i]) {
                    max = Math.max(max, x / tau);
                }
                double sum = 0;
                r[i] = new double[z[i].length];
                for (int k = 0; k < z[i].length; k++) {
                    r[i][k] = Math.exp(z[i][k] / tau - max);
                    sum += r[i][k];
                }
                for (int k = 0; k < z[i].length; k++) {
                    r[i][k] /= sum;
                }
            }
            return Nd4j.createFromArray(r);
        }

        double[] gradient(double[] theta, DataSet ds, INDArray teacher) {
            SdMlp.setParams(sd, theta);
            Map<String, INDArray> ph = SdMlp.placeholders(ds);
            ph.put("teacher", teacher);
            Map<String, INDArray> g = sd.calculateGradients(ph, SdMlp.VARS);
            double[] r = new double[SdMlp.N];
            int off = 0;
            for (String name : SdMlp.VARS) {
                double[] p = g.get(name).dup('c').reshape(-1).toDoubleVector();
                System.arraycopy(p, 0, r, off, p.length);
                off += p.length;
            }
            return r;
        }
    }

    /** MESA over {@link RefSgd} in SdMlp's layout. */
    static final class RefMesa {
        final RefSgd base;
        final Mesa cfg;
        final double[] theta;
        final double[] ema;
        final KlOracle kl;
        final SdMlp.Oracle ce = new SdMlp.Oracle();
        int distilled;

        RefMesa(Mesa cfg, double[] theta0) {
            this.cfg = cfg;
            this.base = new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length);
            this.theta = theta0.clone();
            this.ema = theta0.clone();
            this.kl = new KlOracle(cfg.getLambda(), cfg.getTemperature());
        }

        void step(DataSet batch, int t) {
            int epoch = t / BATCHES;
            double[] g;
            if (cfg.getLambda() > 0 && epoch >= cfg.getStartEpoch()) {
                g = kl.gradient(theta, batch, kl.teacher(ema, batch));
                distilled++;
            } else {
                g = ce.gradient(theta, batch);
            }
            base.step(theta, g, t);
            double b = cfg.getEmaDecay();
            for (int i = 0; i < ema.length; i++) {
                ema[i] = b * ema[i] + (1 - b) * theta[i];
            }
        }
    }

    static NeuralNetConfiguration.Builder conf(IUpdater u) {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).updater(u)
                .weightInit(WeightInit.XAVIER);
    }

    static Model net(IUpdater u, boolean graph, double[] theta0) {
        Model net;
        if (graph) {
            ComputationGraph g = new ComputationGraph(conf(u).graphBuilder().addInputs("in")
                    .addLayer("h", CrossHostTest.hidden(), "in").addLayer("out", CrossHostTest.output(), "h")
                    .setOutputs("out").build());
            g.init();
            net = g;
        } else {
            MultiLayerNetwork m = new MultiLayerNetwork(conf(u).list().layer(CrossHostTest.hidden())
                    .layer(CrossHostTest.output()).build());
            m.init();
            net = m;
        }
        CrossHostTest.setParams(net, theta0);
        if (u instanceof Mesa) {
            if (graph) {
                SharpnessAware.install((ComputationGraph) net);
            } else {
                SharpnessAware.install((MultiLayerNetwork) net);
            }
        }
        return net;
    }

    static double[] ema(Model net) {
        double[] r = new double[(int) net.numParams()];
        for (UpdaterBlock b : Probe.trainableBlocks(net)) {
            double[] part = ((MesaUpdater) b.getGradientUpdater()).ema().toDoubleVector();
            System.arraycopy(part, 0, r, b.getParamOffsetStart(), part.length);
        }
        return r;
    }

    static void fit(Model net, List<DataSet> batches, int epochs) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).fit(Nets.iterator(batches), epochs);
        } else {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches), epochs);
        }
    }

    @ParameterizedTest(name = "graph = {0}")
    @ValueSource(booleans = {false, true})
    void matchesTheReferenceOnParametersAndStateOverFiftySteps(boolean graph) {
        Mesa cfg = Mesa.builder().base(SGD).lambda(0.8).temperature(2).emaDecay(0.8).startEpoch(3).build();
        double[] theta0 = SdMlp.initial(61);
        Model net = net(cfg, graph, theta0);
        RefMesa ref = new RefMesa(cfg, theta0);
        List<DataSet> batches = Nets.batches(BATCHES, 8, 62, DataType.DOUBLE);
        int t = 0;
        for (int e = 0; e < 11; e++) {
            for (DataSet b : batches) {
                ref.step(b, t++);
            }
            fit(net, batches, 1);
            double err = Data.maxRelErr(SdMlp.toSd(net.params().toDoubleVector()), ref.theta);
            assertTrue(err < 1e-9, "θ after epoch " + e + ": error " + err);
            double emaErr = Data.maxRelErr(SdMlp.toSd(ema(net)), ref.ema);
            assertTrue(emaErr < 1e-9, "θ_ema after epoch " + e + ": error " + emaErr);
        }
        assertEquals(55, t);
        assertEquals(40, ref.distilled);
        assertTrue(Data.maxRelErr(theta0, ref.theta) > 1e-2, "the weights moved");
        // The distillation term matters on this trajectory: without it the weights end elsewhere.
        RefMesa off = new RefMesa(cfg.toBuilder().lambda(0).build(), theta0);
        for (int s = 0; s < t; s++) {
            off.step(batches.get(s % BATCHES), s);
        }
        assertTrue(Data.maxRelErr(off.theta, ref.theta) > 1e-3, "λ changes the trajectory");
    }

    @ParameterizedTest(name = "startEpoch = {0}")
    @ValueSource(ints = {-1, 100})
    void lambdaZeroOrBeforeTheStartEpochIsTheBaseOptimizer(int startEpoch) {
        Mesa cfg = startEpoch < 0 ? Mesa.builder().base(SGD).lambda(0).startEpoch(0).build()
                : Mesa.builder().base(SGD).lambda(0.8).startEpoch(startEpoch).build();
        double[] theta0 = SdMlp.initial(63);
        List<DataSet> batches = Nets.batches(BATCHES, 8, 64, DataType.DOUBLE);
        Model mesa = net(cfg, false, theta0);
        Model plain = net(SGD, false, theta0);
        fit(mesa, batches, 3);
        fit(plain, batches, 3);
        assertArrayEquals(plain.params().toDoubleVector(), mesa.params().toDoubleVector(), 0.0);
    }

    @Test
    void resumesExactlyFromASavedModelWithTheEmaWeights(@TempDir Path dir) throws Exception {
        Mesa cfg = Mesa.builder().base(SGD).lambda(0.5).temperature(3).emaDecay(0.9).startEpoch(1).build();
        double[] theta0 = SdMlp.initial(65);
        List<DataSet> batches = Nets.batches(BATCHES, 8, 66, DataType.DOUBLE);
        MultiLayerNetwork whole = (MultiLayerNetwork) net(cfg, false, theta0);
        MultiLayerNetwork first = (MultiLayerNetwork) net(cfg, false, theta0);
        MultiLayerNetwork restored = Nets.assertResumesExactly(whole, first, batches, dir,
                (saved, read) -> assertArrayEquals(ema(saved), ema(read), 0.0, "the model file carries θ_ema"));
        assertArrayEquals(ema(whole), ema(restored), 0.0);
    }

    @ParameterizedTest(name = "graph = {0}")
    @ValueSource(booleans = {false, true})
    void theEmaModelHoldsTheEmaWeightsAndLeavesTheNetworkAlone(boolean graph) {
        Mesa cfg = Mesa.builder().base(SGD).lambda(0.5).emaDecay(0.7).startEpoch(1).build();
        Model net = net(cfg, graph, SdMlp.initial(67));
        List<DataSet> batches = Nets.batches(BATCHES, 8, 68, DataType.DOUBLE);
        fit(net, batches, 2);
        double[] theta = net.params().toDoubleVector();
        Model copy = graph ? SharpnessAware.emaModel((ComputationGraph) net)
                : SharpnessAware.emaModel((MultiLayerNetwork) net);
        assertArrayEquals(ema(net), copy.params().toDoubleVector(), 0.0);
        assertArrayEquals(theta, net.params().toDoubleVector(), 0.0);
        assertTrue(Data.maxRelErr(theta, ema(net)) > 1e-3, "θ_ema differs from θ");
        INDArray out = graph ? ((ComputationGraph) copy).outputSingle(batches.get(0).getFeatures())
                : ((MultiLayerNetwork) copy).output(batches.get(0).getFeatures());
        assertEquals(1.0, out.sum(1).getDouble(0), 1e-12);
        MultiLayerNetwork sam = Nets.mlp(Sam.builder().base(SGD).build(), DataType.DOUBLE, 0, false);
        SharpnessAware.install(sam);
        assertTrue(assertThrows(IllegalStateException.class, () -> SharpnessAware.emaModel(sam)).getMessage()
                .contains("not Mesa"));
    }

    @Test
    void aBatchNormNetworkTrainsWithTheTeacherInInferenceMode() {
        MultiLayerNetwork net = Nets.mlp(Mesa.builder().base(SGD).emaDecay(0.5).startEpoch(0).build(),
                DataType.DOUBLE, 0, true);
        SharpnessAware.install(net);
        net.fit(Nets.iterator(Nets.batches(3, 8, 69, DataType.DOUBLE)), 2);
        assertTrue(Double.isFinite(net.score()));
        assertTrue(Data.maxRelErr(net.params().toDoubleVector(), ema(net)) > 1e-6);
    }

    @Test
    void unsupportedModelsAreRefused() {
        SameDiff sd = SdMlp.build(SdMlp.initial(5), Mesa.builder().base(SGD).build(), 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(sd));
        assertTrue(e.getMessage().startsWith("MESA adds a distillation term"), e.getMessage());
        MultiLayerNetwork sigmoid = new MultiLayerNetwork(conf(Mesa.builder().base(SGD).build()).list()
                .layer(CrossHostTest.hidden()).layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT)
                        .nIn(SdMlp.HIDDEN).nOut(SdMlp.OUT).activation(Activation.SIGMOID).build()).build());
        sigmoid.init();
        e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(sigmoid));
        assertTrue(e.getMessage().startsWith("MESA distils the softmax of the output layer's logits"), e.getMessage());
    }

    @Test
    void badHyperParametersAreRefusedAndTheConfigurationRoundTrips() throws Exception {
        assertEquals("Invalid lambda value: -0.1 (must be finite and >= 0)", assertThrows(
                IllegalArgumentException.class, () -> Mesa.builder().base(SGD).lambda(-0.1).build()).getMessage());
        assertEquals("Invalid temperature value: 0.0 (must be finite and > 0)", assertThrows(
                IllegalArgumentException.class, () -> Mesa.builder().base(SGD).temperature(0).build()).getMessage());
        assertEquals("Invalid emaDecay value: 1.0 (must be in [0, 1))", assertThrows(
                IllegalArgumentException.class, () -> Mesa.builder().base(SGD).emaDecay(1).build()).getMessage());
        assertEquals("Invalid startEpoch value: -1 (must be >= 0)", assertThrows(
                IllegalArgumentException.class, () -> Mesa.builder().base(SGD).startEpoch(-1).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Mesa.builder().build()).getMessage()
                .startsWith("Mesa requires a base optimizer"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Mesa.builder().base(Sam.builder().base(SGD).build()).build()).getMessage()
                .startsWith("Mesa cannot wrap Sam"));
        Mesa cfg = Mesa.builder().base(SGD).lambda(0.3).temperature(4).emaDecay(0.99).startEpoch(2).build();
        ObjectMapper om = new ObjectMapper();
        IUpdater back = om.readValue(om.writerFor(IUpdater.class).writeValueAsString(cfg), IUpdater.class);
        assertEquals(cfg, back);
        assertEquals(cfg.hashCode(), back.hashCode());
        assertEquals(cfg, cfg.clone());
        assertNotEquals(cfg, cfg.toBuilder().startEpoch(3).build());
        Mesa d = Mesa.builder().base(SGD).build();
        assertEquals(Mesa.DEFAULT_LAMBDA, d.getLambda());
        assertEquals(Mesa.DEFAULT_TEMPERATURE, d.getTemperature());
        assertEquals(Mesa.DEFAULT_EMA_DECAY, d.getEmaDecay());
        assertEquals(Mesa.DEFAULT_START_EPOCH, d.getStartEpoch());
    }
}
