package org.msam.dl4j;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.msam.config.AdamW;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.config.SgdMomentum;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The model files in {@code src/test/resources/legacy}: models saved in the middle of training by version 0.1.0 of
 * the library (commit 80ac90d), with the weights an uninterrupted run reached two epochs later. {@link
 * LegacyModelTest} loads them with today's code and checks that resuming reaches the same weights.
 *
 * <p>Made with (from the repository root, at that commit):
 * <pre>
 * mvn -B -q -pl msam-dl4j -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test
 * cd msam-dl4j
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.msam.dl4j.LegacyModels src/test/resources/legacy
 * </pre>
 */
final class LegacyModels {
    static final int EPOCHS_BEFORE = 2;
    static final int EPOCHS_AFTER = 2;
    static final SgdMomentum SGD = SgdMomentum.builder().learningRate(0.1).momentum(0.9).build();
    static final AdamW ADAMW = AdamW.builder().learningRate(1e-2).weightDecay(0.05).build();

    /** The saved cases: file name stem and how the model is built. */
    enum Case {
        MSAM_SGD_MLN_BN, SAM_SGD_MLN, ASAM_SGD_CG, MSAM_ADAMW_CG, MSAM_SGD_SAMEDIFF, SAM_ADAMW_SAMEDIFF;

        String stem() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        boolean sameDiff() {
            return this == MSAM_SGD_SAMEDIFF || this == SAM_ADAMW_SAMEDIFF;
        }

        org.nd4j.linalg.learning.config.IUpdater updater() {
            switch (this) {
                case MSAM_SGD_MLN_BN:
                case MSAM_SGD_SAMEDIFF:
                    return Msam.builder().base(SGD).rho(0.5).build();
                case SAM_SGD_MLN:
                    return Sam.builder().base(SGD).rho(0.1).build();
                case ASAM_SGD_CG:
                    return Sam.builder().base(SGD).rho(0.5).adaptive(true).build();
                case MSAM_ADAMW_CG:
                    return Msam.builder().base(ADAMW).rho(0.2).build();
                default:
                    return Sam.builder().base(ADAMW).rho(0.05).build();
            }
        }

        Model network() {
            if (this == ASAM_SGD_CG || this == MSAM_ADAMW_CG) {
                return Nets.residual(updater(), DataType.DOUBLE, this == ASAM_SGD_CG ? 1e-3 : 0);
            }
            return Nets.mlp(updater(), DataType.DOUBLE, 1e-3, this == MSAM_SGD_MLN_BN);
        }

        SameDiff sameDiff(long seed) {
            return SdMlp.build(SdMlp.initial(seed), updater(), this == MSAM_SGD_SAMEDIFF ? 1e-3 : 0);
        }
    }

    static List<DataSet> batches() {
        return Nets.batches(6, 8, 11, DataType.DOUBLE);
    }

    static void fit(Model net, int epochs) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(Nets.iterator(batches()), epochs);
        } else {
            ((ComputationGraph) net).fit(Nets.iterator(batches()), epochs);
        }
    }

    static Path modelFile(Path dir, Case c) {
        return dir.resolve(c.stem() + (c.sameDiff() ? ".sd" : ".zip"));
    }

    static Path finalFile(Path dir, Case c) {
        return dir.resolve(c.stem() + "-final.txt");
    }

    static double[] readFinal(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Double> values = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank() && !line.startsWith("#")) {
                values.add(Double.parseDouble(line.trim()));
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Case c : Case.values()) {
            double[] finalParams;
            if (c.sameDiff()) {
                SameDiff sd = c.sameDiff(8);
                SharpnessAware.install(sd);
                sd.fit(Nets.iterator(batches()), EPOCHS_BEFORE);
                sd.save(modelFile(dir, c).toFile(), true);
                sd.fit(Nets.iterator(batches()), EPOCHS_AFTER);
                finalParams = SdMlp.params(sd);
            } else {
                Model net = c.network();
                if (net instanceof MultiLayerNetwork) {
                    SharpnessAware.install((MultiLayerNetwork) net);
                } else {
                    SharpnessAware.install((ComputationGraph) net);
                }
                fit(net, EPOCHS_BEFORE);
                File f = modelFile(dir, c).toFile();
                ModelSerializer.writeModel(net, f, true);
                fit(net, EPOCHS_AFTER);
                finalParams = net.params().toDoubleVector();
            }
            List<String> out = new ArrayList<>();
            out.add("# " + c.stem() + ": weights after " + EPOCHS_AFTER + " more epochs of the uninterrupted run");
            for (double v : finalParams) {
                out.add(String.format(Locale.ROOT, "%.17g", v));
            }
            Files.write(finalFile(dir, c), out, StandardCharsets.UTF_8);
        }
    }
}
