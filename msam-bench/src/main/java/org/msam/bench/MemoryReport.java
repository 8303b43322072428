package org.msam.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.msam.examples.train.Optimizer;
import org.msam.rules.RuleSpec;
import org.msam.rules.Rules;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The memory each optimizer adds to a model, as a Markdown table: the updater state DL4J allocates
 * ({@code getUpdater(true).getStateViewArray()}: length × element size, measured on the initialised network)
 * plus the parameter-sized buffers the rule and its driver keep, <em>computed</em> from the model (n: trainable
 * parameters; N: BatchNorm γ and β; S: the NoOp-updater parameters, BatchNorm's running statistics) with the
 * multiples each rule declares in the registry ({@link RuleSpec#bufferElements}); the rules today:
 * <ul>
 *   <li>SAM: a copy of θ (n) and of the first pass's running-statistic updates (S); adaptive SAM: and T (n);
 *       BN-only SAM: a copy of γ and β only (N + S);</li>
 *   <li>LookSAM: SAM's, plus a copy of the first gradient (n); its g_v (n) is updater state, in the state
 *       column;</li>
 *   <li>MSAM and BN-only MSAM: none; the state is the base optimizer's; adaptive MSAM: e (n) and T (n), buffers
 *       of the step;</li>
 *   <li>ESAM: SAM's (the per-sample losses, 2·|B| numbers, are not counted); MESA: the inference copy of the network
 *       that the forward pass at θ_ema runs on (all parameters, n + S); its θ_ema (n) is updater state;</li>
 *   <li>the plain optimizers: none (AdamW's decay listener holds only views).</li>
 * </ul>
 * Gradient accumulation adds, for any optimizer, one buffer of all the parameters (n + S): the sum of the window's
 * gradients, stated below the table.
 * Activations and gradients are the same for every optimizer and not counted. Run:
 * <pre>
 * java -cp msam-bench/target/benchmarks.jar org.msam.bench.MemoryReport [model ...]
 * </pre>
 * (models: {@code smallCnn wrn16_1 wrn16_4 wrn28_10}, all by default; WRN-28-10 needs about 1 GB off-heap per
 * optimizer while it is built).
 */
public final class MemoryReport {
    /** The optimizers of the table, in order: the bases and the ND4J baselines, every registered rule, msam-adamw. */
    static final List<String> OPTIMIZERS = optimizers();

    private static List<String> optimizers() {
        List<String> o = new ArrayList<>(List.of("sgd", "nag", "nd4jNesterovs", "adamw", "nd4jAdam"));
        o.addAll(Rules.names());
        o.add(Optimizer.MSAM_ADAMW.name());
        return List.copyOf(o);
    }


    private MemoryReport() {
    }

    /** One line of the table. */
    public static final class Row {
        /** The model name. */
        public final String model;
        /** The optimizer name. */
        public final String optimizer;
        /** All parameters of the model, BatchNorm statistics included. */
        public final long parameters;
        /** Bytes per element. */
        public final int elementSize;
        /** Updater blocks with a trainable updater. */
        public final int trainableBlocks;
        /** Elements of the updater state. */
        public final long stateElements;
        /** Elements of the listener's buffers. */
        public final long listenerElements;

        Row(String model, String optimizer, long parameters, int elementSize, int trainableBlocks,
            long stateElements, long listenerElements) {
            this.model = model;
            this.optimizer = optimizer;
            this.parameters = parameters;
            this.elementSize = elementSize;
            this.trainableBlocks = trainableBlocks;
            this.stateElements = stateElements;
            this.listenerElements = listenerElements;
        }

        /** @return bytes of the updater state */
        public long stateBytes() {
            return stateElements * elementSize;
        }

        /** @return bytes of the listener's buffers */
        public long listenerBytes() {
            return listenerElements * elementSize;
        }

        /** @return all bytes the optimizer adds */
        public long totalBytes() {
            return stateBytes() + listenerBytes();
        }

        /** @return the optimizer's memory in units of the model's parameter memory */
        public double perParameterMemory() {
            return (double) totalBytes() / (parameters * elementSize);
        }
    }

    /**
     * Prints the table for the models named in {@code args} (all of {@link Models#NAMES} when none).
     *
     * @param args model names
     */
    public static void main(String[] args) {
        List<String> models = args.length == 0 ? Arrays.asList(Models.NAMES) : Arrays.asList(args);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(markdown(run(models, OPTIMIZERS)));
    }

    /**
     * @param models     model names
     * @param optimizers optimizer names
     * @return one row per model and optimizer
     */
    public static List<Row> run(List<String> models, List<String> optimizers) {
        List<Row> rows = new ArrayList<>();
        for (String model : models) {
            for (String optimizer : optimizers) {
                rows.add(measure(model, optimizer));
            }
        }
        return rows;
    }

    /**
     * @param model     model name
     * @param optimizer optimizer name
     * @return the memory of the optimizer on the model
     */
    public static Row measure(String model, String optimizer) {
        Model net = Models.build(model, Optimizers.updater(optimizer), Optimizers.l2(optimizer));
        BaseMultiLayerUpdater<?> updater = net instanceof MultiLayerNetwork
                ? (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) net).getUpdater(true)
                : ((ComputationGraph) net).getUpdater(true);
        INDArray state = updater.getStateViewArray();
        long parameters = net.numParams();
        long noOp = 0;
        long normalization = 0;
        int trainable = 0;
        for (UpdaterBlock b : updater.getUpdaterBlocks()) {
            if (b.getGradientUpdater().getConfig() instanceof NoOp) {
                noOp += b.getParamOffsetEnd() - b.getParamOffsetStart();
                continue;
            }
            trainable++;
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                Object layer = ps.getLayer() instanceof LayerVertex ? ((LayerVertex) ps.getLayer()).getLayer()
                        : ps.getLayer();
                if (layer instanceof Layer && ((Layer) layer).conf().getLayer() instanceof BatchNormalization) {
                    normalization += ps.getParamOffsetEnd() - ps.getParamOffsetStart();
                }
            }
        }
        long listener = ruleBuffers(optimizer, parameters - noOp, normalization, noOp);
        Row row = new Row(model, optimizer, parameters, net.params().dataType().width(), trainable,
                state == null ? 0 : state.length(), listener);
        net.clear();
        return row;
    }

    /**
     * @param optimizer     the optimizer's name
     * @param trainable     n, the trainable parameters
     * @param normalization N, BatchNorm's γ and β
     * @param noOp          S, the NoOp-updater parameters
     * @return the elements of the buffers the rule and its driver keep (see the class description)
     */
    static long ruleBuffers(String optimizer, long trainable, long normalization, long noOp) {
        if (Optimizers.ND4J_NESTEROVS.equals(optimizer) || Optimizers.ND4J_ADAM.equals(optimizer)) {
            return 0;
        }
        RuleSpec rule = Optimizer.parse(optimizer).rule();
        return rule == null ? 0 : rule.bufferElements(trainable, normalization, noOp);
    }

    /**
     * @param rows the rows
     * @return the Markdown table
     */
    public static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| Model | Parameters | Optimizer | Updater state | Listener buffers | Total | × parameter memory "
                + "| Over the base optimizer |\n");
        sb.append("|---|---:|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            String base = Optimizers.baseOf(r.optimizer);
            String over = "—";
            for (Row o : rows) {
                if (o.model.equals(r.model) && o.optimizer.equals(base)) {
                    over = signedBytes(r.totalBytes() - o.totalBytes()) + " (vs " + base + ")";
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %.2f | %s |%n", r.model,
                    r.parameters, r.optimizer, bytes(r.stateBytes()), bytes(r.listenerBytes()), bytes(r.totalBytes()),
                    r.perParameterMemory(), over));
        }
        sb.append("\nUpdater state: `getUpdater(true).getStateViewArray()` length × element size, measured (it "
                + "includes LookSAM's g_v and MESA's θ_ema; MSAM's is its base optimizer's). "
                + "Listener buffers: computed, not measured: SAM's copy of the trainable parameters plus the copy of "
                + "the BatchNorm statistics' updates (ESAM the same; adaptive SAM and LookSAM one more "
                + "parameter-sized buffer, BN-only SAM a copy of γ and β only; adaptive MSAM its e and T; MESA the "
                + "inference copy of the network); MSAM, BN-only MSAM and the others keep none. Parameters "
                + "include BatchNorm's running statistics (DL4J stores them as parameters with a NoOp updater).\n");
        sb.append("\nGradient accumulation (`Accumulation.steps(k)`, k > 1, any optimizer) adds one buffer of all the "
                + "parameters for the window's gradient sum:");
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        for (Row r : rows) {
            if (seen.add(r.model)) {
                sb.append(String.format(Locale.ROOT, " %s %s;", r.model, bytes(accumulationBytes(r))));
            }
        }
        sb.setLength(sb.length() - 1);
        sb.append(".\n");
        return sb.toString();
    }

    /**
     * @param r a row
     * @return the bytes gradient accumulation adds on that row's model: the driver's sum of the window's gradients, laid
     *     out like all the network's parameters
     */
    static long accumulationBytes(Row r) {
        return r.parameters * r.elementSize;
    }

    private static String signedBytes(long b) {
        return b > 0 ? "+" + bytes(b) : b < 0 ? "−" + bytes(-b) : "0";
    }

    private static String bytes(long b) {
        if (b == 0) {
            return "0";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%,d B", b);
        }
        return String.format(Locale.ROOT, "%.2f MiB", b / (1024.0 * 1024.0));
    }
}
