package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.msam.reference.Data;
import org.msam.reference.RefMsam;
import org.msam.reference.RefSam;
import org.msam.reference.RefSgd;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * BN-only SAM and MSAM ({@code normalizationOnly(true)}): only BatchNorm's γ and β are perturbed, with the norm over
 * them only, although in DL4J they share an updater block with the dense layers' weights; every trainable parameter
 * still takes the base step.
 */
class NormalizationOnlyTest {
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();

    /** @return for each trainable parameter (in FeaturesTest.trainable order), whether it is a BatchNorm γ or β */
    static boolean[] normalizationMask(MultiLayerNetwork net, int[] trainable) {
        List<long[]> ranges = new ArrayList<>();
        for (UpdaterBlock b : Probe.trainableBlocks(net)) {
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                if (ps.getLayer().getConfig() instanceof BatchNormalization) {
                    ranges.add(new long[] {ps.getParamOffsetStart(), ps.getParamOffsetEnd()});
                }
            }
        }
        boolean[] mask = new boolean[trainable.length];
        int count = 0;
        for (int i = 0; i < trainable.length; i++) {
            for (long[] r : ranges) {
                if (trainable[i] >= r[0] && trainable[i] < r[1]) {
                    mask[i] = true;
                    count++;
                }
            }
        }
        assertEquals(2 * Nets.HIDDEN, count, "γ and β of the one BatchNorm layer");
        return mask;
    }

    @Test
    void bnOnlyMsamMatchesTheReferenceAndPerturbsOnlyGammaAndBeta() {
        Msam cfg = Msam.builder().base(SGD).rho(0.5).normalizationOnly(true).build();
        MultiLayerNetwork net = Nets.mlp(cfg, DataType.DOUBLE, 0, true);
        SharpnessAware.install(net);
        int[] idx = FeaturesTest.trainable(net);
        boolean[] mask = normalizationMask(net, idx);
        double[] full0 = net.params().toDoubleVector();
        RefMsam ref = new RefMsam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, idx.length), t -> 0.5, 0,
                FeaturesTest.pick(full0, idx), mask);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, true));
        List<DataSet> batches = Nets.batches(4, 8, 13, DataType.DOUBLE);
        int t = 0;
        for (int e = 0; e < 2; e++) {
            for (DataSet b : batches) {
                ref.step(FeaturesTest.pick(oracle.gradient(FeaturesTest.put(full0, idx, ref.held()), b), idx), t++);
            }
        }
        net.fit(Nets.iterator(batches), 2);
        double err = Data.maxRelErr(FeaturesTest.pick(net.params().toDoubleVector(), idx), ref.theta());
        assertTrue(err < 1e-9, "trainable θ: error " + err);
        assertEquals(ref.stepC(), Probe.msam(net).scale(), 1e-9 * ref.stepC(), "c");

        // Between steps the network holds θ; the weights the next step's gradient is taken at, θ̃, differ from θ
        // exactly at γ and β.
        net.fit(batches.get(0));
        double[] theta = FeaturesTest.pick(net.params().toDoubleVector(), idx);
        SharpnessAware.applyPerturbation(net);
        double[] held = FeaturesTest.pick(net.params().toDoubleVector(), idx);
        SharpnessAware.removePerturbation(net);
        for (int i = 0; i < idx.length; i++) {
            if (mask[i]) {
                assertNotEquals(theta[i], held[i], "γ/β parameter " + i + " is perturbed");
            } else {
                assertEquals(theta[i], held[i], 0.0, "parameter " + i + " is not perturbed");
            }
        }
    }

    @Test
    void bnOnlySamMatchesTheReference() {
        Sam cfg = Sam.builder().base(SGD).rho(0.2).normalizationOnly(true).build();
        MultiLayerNetwork net = Nets.mlp(cfg, DataType.DOUBLE, 0, true);
        SharpnessAware.install(net);
        int[] idx = FeaturesTest.trainable(net);
        boolean[] mask = normalizationMask(net, idx);
        double[] full0 = net.params().toDoubleVector();
        RefSam ref = new RefSam(new RefSgd(t -> 0.1, 0.9, 0, false, 0, idx.length), 0.2, false, 0,
                FeaturesTest.pick(full0, idx), mask);
        Oracle oracle = new Oracle(Nets.mlp(new Sgd(0), DataType.DOUBLE, 0, true));
        List<DataSet> batches = Nets.batches(4, 8, 14, DataType.DOUBLE);
        int t = 0;
        for (int e = 0; e < 2; e++) {
            for (DataSet b : batches) {
                ref.step((theta, batch) -> FeaturesTest.pick(oracle.gradient(FeaturesTest.put(full0, idx, theta),
                        batch), idx), b, t++);
            }
        }
        net.fit(Nets.iterator(batches), 2);
        double err = Data.maxRelErr(FeaturesTest.pick(net.params().toDoubleVector(), idx), ref.theta);
        assertTrue(err < 1e-9, "trainable θ: error " + err);
    }

    @Test
    void aModelWithoutNormalizationParametersIsRefused() {
        MultiLayerNetwork net = Nets.mlp(Msam.builder().base(SGD).normalizationOnly(true).build(), DataType.DOUBLE, 0,
                false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(net));
        assertTrue(e.getMessage().startsWith("BN-only MSAM (normalizationOnly(true)) perturbs the γ and β of "
                + "normalisation layers, and this model has none"), e.getMessage());
        SameDiff sd = SdMlp.build(SdMlp.initial(1), Sam.builder().base(SGD).normalizationOnly(true).build(), 0);
        e = assertThrows(IllegalStateException.class, () -> SharpnessAware.install(sd));
        assertTrue(e.getMessage().startsWith("BN-only SAM (normalizationOnly(true))"), e.getMessage());
    }
}
