package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefMsam;
import org.msam.reference.RefSgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/** Global-norm clipping against torch.nn.utils.clip_grad_norm_ written from its definition. */
class GlobalGradientClippingTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    static double[] clip(double[] g, double max) {
        double sq = 0;
        for (double x : g) {
            sq += x * x;
        }
        double coef = max / (Math.sqrt(sq) + 1e-6);
        double[] r = g.clone();
        if (coef < 1) {
            for (int i = 0; i < r.length; i++) {
                r[i] *= coef;
            }
        }
        return r;
    }

    @Test
    void clipsTheMeanGradientBeforeTheMsamStep() {
        double max = 0.05;
        MultiLayerNetwork net = Nets.mlp(Msam.builder().base(SGD).rho(0.5).build(), DataType.DOUBLE, 1e-3, false);
        GlobalGradientClipping clipping = new GlobalGradientClipping(max);
        SharpnessAware.install(net, clipping);
        double[] theta0 = net.params().toDoubleVector();
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, theta0.length), t -> 0.5, 1e-3, theta0);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, false));
        List<DataSet> batches = Nets.batches(4, 8, 21, DataType.DOUBLE);
        int t = 0;
        for (DataSet b : batches) {
            ref.step(clip(oracle.gradient(ref.held(), b), max), t++);
        }
        net.fit(Nets.iterator(batches));
        assertTrue(clipping.lastNorm() > max, "the test exercises clipping");
        double err = Data.maxRelErr(net.params().toDoubleVector(), ref.theta());
        assertTrue(err < 1e-9, "error " + err);
    }

    @Test
    void leavesSmallGradientsAloneAndValidates() {
        MultiLayerNetwork a = Nets.mlp(SGD, DataType.FLOAT, 0, false);
        MultiLayerNetwork b = Nets.mlp(SGD, DataType.FLOAT, 0, false);
        b.addListeners(new GlobalGradientClipping(1e6));
        DataSet ds = Nets.batches(1, 8, 22, DataType.FLOAT).get(0);
        a.fit(ds);
        b.fit(ds);
        assertEquals(a.params(), b.params());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GlobalGradientClipping(0));
        assertEquals("Invalid maxNorm value: 0.0 (must be finite and > 0)", e.getMessage());
    }
}
