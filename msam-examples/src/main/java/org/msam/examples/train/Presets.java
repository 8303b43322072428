package org.msam.examples.train;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.msam.rules.Base;
import org.msam.rules.RhoScale;

/**
 * The paper's recipes (docs/ALGORITHMS.md, "Schedules") as named presets. A preset sets the recipe's values; options
 * given explicitly on the command line override them.
 *
 * <table>
 *   <caption>Presets</caption>
 *   <tr><th>name</th><th>recipe</th></tr>
 *   <tr><td>wrn16-4-cifar100</td><td>WRN-16-4, CIFAR-100, SGD η 0.5 μ 0.9 λ 5e-4, batch 256, 200 epochs, cosine
 *   with a 1-epoch ramp, label smoothing 0.1; ρ 3 (MSAM and its forms), 0.2 (SAM and the rules taking SAM steps), 1
 *   (adaptive SAM); none for the plain optimizers and MESA</td></tr>
 *   <tr><td>wrn28-10-cifar100</td><td>the same recipe on WRN-28-10</td></tr>
 *   <tr><td>resnet50-imagenet</td><td>ResNet-50, ImageNet folders, SGD η 0.1 μ 0.9 λ 1e-4, batch 256, 90 epochs,
 *   cosine with 5 warm-up epochs, label smoothing 0.1</td></tr>
 *   <tr><td>vit-s-32-imagenet</td><td>ViT-S/32 (AdamW η 1e-3, λ 0.1, ρ 3 off for 8 warm-up epochs, clip 1.0, batch
 *   1024 as 8 accumulated micro-batches of 128, 300 epochs; ρ off for the warm-up with MSAM only, the rule with a ρ schedule)</td></tr>
 *   <tr><td>demo</td><td>small CNN on the embedded Fashion-MNIST subset, SGD η 0.05 μ 0.9 λ 5e-4, batch 64, 3
 *   epochs, label smoothing 0.1, ρ 0.1 (MSAM), 0.05 (SAM) or 0.5 (adaptive SAM); about 3 minutes for SGD and MSAM on an idle 2-core machine</td></tr>
 * </table>
 */
public final class Presets {
    private static final Map<String, Consumer<RunConfig>> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("wrn16-4-cifar100", c -> cifar100(c, "wrn-16-4"));
        PRESETS.put("wrn28-10-cifar100", c -> cifar100(c, "wrn-28-10"));
        PRESETS.put("resnet50-imagenet", c -> {
            c.dataset = "imagenet";
            c.model = "resnet50-imagenet";
            c.learningRate = 0.1;
            c.momentum = 0.9;
            c.weightDecay = 1e-4;
            c.batchSize = 256;
            c.epochs = 90;
            c.warmupEpochs = 5;
            c.schedule = "cosine";
            c.labelSmoothing = 0.1;
            c.augment = true;
        });
        PRESETS.put("vit-s-32-imagenet", c -> {
            c.dataset = "imagenet";
            c.model = "vit-s-32";
            c.optimizer = c.optimizer.over(Base.ADAMW);
            c.learningRate = 1e-3;
            c.momentum = 0.9;
            c.weightDecay = 0.1;
            c.rho = c.optimizer.takesRho() ? 3.0 : null;
            // ρ off during the warm-up: the rules with a ρ schedule only (MSAM and its forms)
            c.rhoOffEpochs = c.optimizer.takesRho() && c.optimizer.rule().takesRhoSchedule() ? 8 : 0;
            c.batchSize = 128;
            c.accumulate = 8; // the paper's batch of 1024, as 8 micro-batches of 128
            c.epochs = 300;
            c.warmupEpochs = 8;
            c.schedule = "cosine";
            c.clipNorm = 1.0;
            c.labelSmoothing = 0;
        });
        PRESETS.put("demo", c -> {
            c.dataset = "fashion-mnist";
            c.model = "small-cnn";
            c.learningRate = 0.05;
            c.momentum = 0.9;
            c.weightDecay = 5e-4;
            c.batchSize = 64;
            c.epochs = 3;
            c.warmupEpochs = 0.5;
            c.schedule = "cosine";
            c.labelSmoothing = 0.1;
            // The small CNN's weights have a norm of about 20: the paper's rho = 3 (for WRN/ResNet) is far too large.
            c.rho = rho(c.optimizer, 0.05, 0.5, 0.1);
        });
    }

    private Presets() {
    }

    private static void cifar100(RunConfig c, String model) {
        c.dataset = "cifar100";
        c.model = model;
        c.learningRate = 0.5;
        c.momentum = 0.9;
        c.weightDecay = 5e-4;
        c.batchSize = 256;
        c.epochs = 200;
        c.warmupEpochs = 1;
        c.schedule = "cosine";
        c.labelSmoothing = 0.1;
        c.augment = true;
        c.rho = rho(c.optimizer, 0.2, 1.0, 3.0);
    }

    /**
     * @return the recipe's ρ on the scale of the optimizer's rule ({@link RhoScale}): SAM's for SAM and the rules that
     *     take SAM steps, adaptive SAM's, MSAM's for MSAM and its forms; null for the optimizers without a ρ (plain ones
     *     and MESA)
     */
    private static Double rho(Optimizer o, double sam, double asam, double msam) {
        if (!o.takesRho()) {
            return null;
        }
        Map<RhoScale, Double> byScale = new EnumMap<>(Map.of(RhoScale.SAM, sam, RhoScale.ADAPTIVE_SAM, asam,
                RhoScale.MSAM, msam));
        return byScale.get(o.rule().rhoScale());
    }

    /** @return the preset names */
    public static java.util.Set<String> names() {
        return PRESETS.keySet();
    }

    /**
     * Applies a preset to a configuration.
     *
     * @param name   the preset
     * @param config the configuration to change
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static void apply(String name, RunConfig config) {
        Consumer<RunConfig> p = PRESETS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("Unknown preset '" + name + "'; valid presets: "
                    + String.join(", ", PRESETS.keySet()));
        }
        p.accept(config);
        config.preset = name;
    }
}
