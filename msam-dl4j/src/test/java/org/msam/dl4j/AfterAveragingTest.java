package org.msam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.msam.config.Msam;
import org.msam.config.SgdMomentum;
import org.msam.rule.MsamRule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link SharpnessAware#afterAveraging} and {@link SharpnessAware#prepareStep}, the two calls a data-parallel trainer
 * makes (msam-spark): two copies take one MSAM step each on their own mini-batch, their θ and optimizer state are
 * averaged into a third network, and afterAveraging re-derives c = ρ/(‖v̄‖ + δ) from the averaged momentum.
 */
class AfterAveragingTest {
    private static final double RHO = 0.5;

    private static Msam msam() {
        return Msam.builder().base(SgdMomentum.builder().learningRate(0.1).momentum(0.9).build()).rho(RHO).build();
    }

    private static MultiLayerNetwork copy(MultiLayerNetwork from) {
        MultiLayerNetwork c = new MultiLayerNetwork(from.getLayerWiseConfigurations().clone());
        c.init(from.params().dup(), true);
        c.getUpdater(true).getStateViewArray().assign(from.getUpdater(true).getStateViewArray());
        SharpnessAware.install(c);
        return c;
    }

    @Test
    void theScaleIsRederivedFromTheAveragedMomentum() {
        List<DataSet> data = Nets.batches(6, 4, 3, DataType.DOUBLE);
        MultiLayerNetwork avg = Nets.mlp(msam(), DataType.DOUBLE, 0, false);
        SharpnessAware.install(avg);
        for (int round = 0; round < 3; round++) {
            INDArray params = null;
            INDArray state = null;
            for (int w = 0; w < 2; w++) {
                MultiLayerNetwork c = copy(avg);
                SharpnessAware.prepareStep(c);
                c.fit(data.get(2 * round + w));
                SharpnessAware.removePerturbation(c);
                assertFalse(SharpnessAware.isPerturbed(c));
                params = params == null ? c.params().dup() : params.addi(c.params());
                state = state == null ? c.getUpdater(true).getStateViewArray().dup()
                        : state.addi(c.getUpdater(true).getStateViewArray());
            }
            avg.params().assign(params.divi(2));
            avg.getUpdater(true).getStateViewArray().assign(state.divi(2));
            avg.setIterationCount(round + 1);
            SharpnessAware.afterAveraging(avg);
            assertFalse(SharpnessAware.isPerturbed(avg), "the averaged model stays at θ");
            MsamRule rule = Probe.msam(avg);
            INDArray theta = avg.params().dup();
            // the next step's perturbation, as the hook before its forward pass applies it
            SharpnessAware.applyPerturbation(avg);
            double expected = RHO / (rule.momentumNorm() + MsamRule.DELTA);
            assertEquals(expected, rule.scale(), 1e-15 * expected);
            assertTrue(SharpnessAware.isPerturbed(avg));
            SharpnessAware.removePerturbation(avg);
            assertEquals(theta, avg.params());
        }
    }

    @Test
    void averagingPerturbedWeightsIsRefused() {
        MultiLayerNetwork net = Nets.mlp(msam(), DataType.DOUBLE, 0, false);
        SharpnessAware.install(net);
        List<DataSet> data = Nets.batches(2, 4, 5, DataType.DOUBLE);
        net.fit(data.get(0));
        net.fit(data.get(1));
        SharpnessAware.applyPerturbation(net);
        assertTrue(SharpnessAware.isPerturbed(net));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharpnessAware.afterAveraging(net));
        assertTrue(e.getMessage().contains("average the true weights"), e.getMessage());
    }
}
