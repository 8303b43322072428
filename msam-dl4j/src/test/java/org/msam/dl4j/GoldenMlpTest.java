package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.Golden;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Cross-framework check: the tiny MLP of golden/mlp (PyTorch 1.13, float64, torch.optim.SGD and MSAM written from
 * the equations; see msam-core/src/test/python/make_golden.py) trained in DL4J with our updaters and listener.
 */
class GoldenMlpTest {

    @ParameterizedTest
    @ValueSource(strings = {"sgd_mlp", "msam_mlp"})
    void matchesPyTorch(String name) {
        JsonNode g = Golden.load("/golden/mlp/" + name + ".json");
        JsonNode alg = g.has("algorithm") ? g.get("algorithm") : g.get("optimizer");
        SgdMomentum sgd = SgdMomentum.builder().learningRate(alg.get("lr").asDouble())
                .momentum(alg.get("momentum").asDouble()).build();
        boolean msam = name.startsWith("msam");
        IUpdater updater = msam ? Msam.builder().base(sgd).rho(alg.get("rho").asDouble()).build() : sgd;
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(7).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(7).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        net.setParams(Nd4j.createFromArray(Golden.array(g.get("initial_params_dl4j"))).reshape(1, 66));
        List<double[]> thetas = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        BaseTrainingListener record = new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                thetas.add(model.params().toDoubleVector());
                losses.add(model.score());
            }
        };
        if (msam) {
            SharpnessAware.install(net, record);
        } else {
            net.setListeners(record);
        }
        int n = g.get("num_samples").asInt();
        double[][] f = new double[n][];
        double[][] l = new double[n][];
        for (int i = 0; i < n; i++) {
            f[i] = Golden.array(g.get("features").get(i));
            l[i] = Golden.array(g.get("labels_one_hot").get(i));
        }
        INDArray features = Nd4j.createFromArray(f);
        INDArray labels = Nd4j.createFromArray(l);
        int steps = g.get("num_steps").asInt();
        for (int t = 0; t < steps; t++) {
            net.fit(new DataSet(features, labels));
        }
        assertEquals(steps, thetas.size());
        for (int t = 0; t < steps; t++) {
            JsonNode s = g.get("steps").get(t);
            assertEquals(s.get("loss").asDouble(), losses.get(t), 1e-12, name + " loss at step " + t);
            double e = Data.maxRelErr(thetas.get(t), Golden.array(s.get("theta")));
            assertTrue(e <= 1e-12, name + " θ at step " + t + ": error " + e);
        }
        JsonNode last = g.get("steps").get(steps - 1);
        double held = Data.maxRelErr(net.params().toDoubleVector(), Golden.array(last.get("theta")));
        assertTrue(held <= 1e-12, "θ held after the fit(DataSet) loop: error " + held);
        if (msam) {
            SharpnessAware.applyPerturbation(net);
            double e = Data.maxRelErr(net.params().toDoubleVector(), Golden.array(last.get("theta_tilde")));
            assertTrue(e <= 1e-12, "θ̃ where the next step's gradient is taken: error " + e);
            SharpnessAware.removePerturbation(net);
            assertTrue(Data.maxRelErr(net.params().toDoubleVector(), Golden.array(last.get("theta"))) <= 1e-12);
        }
    }
}
