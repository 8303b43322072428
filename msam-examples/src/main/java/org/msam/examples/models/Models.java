package org.msam.examples.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Registry of the example models by name. Each call returns a fresh builder with the model's defaults (classes
 * and input shape), to be completed with at least an updater:
 *
 * <pre>{@code
 * ComputationGraph net = Models.builder("wrn-16-4").numClasses(10).updater(new Sgd(0.1)).init();
 * }</pre>
 *
 * <table>
 *   <caption>Registered models</caption>
 *   <tr><th>name</th><th>builder</th><th>default classes, input</th></tr>
 *   <tr><td>wrn-16-4</td><td>{@link WideResNet#wrn16x4()}</td><td>100, 3×32×32</td></tr>
 *   <tr><td>wrn-28-10</td><td>{@link WideResNet#wrn28x10()}</td><td>100, 3×32×32</td></tr>
 *   <tr><td>wrn-16-1</td><td>{@link WideResNet#wrn16x1()}</td><td>100, 3×32×32</td></tr>
 *   <tr><td>wrn-16-8</td><td>{@link WideResNet#wrn16x8()}</td><td>100, 3×32×32</td></tr>
 *   <tr><td>resnet18</td><td>{@link ResNetCifar#resnet18()}</td><td>100, 3×32×32</td></tr>
 *   <tr><td>resnet50</td><td>{@link ResNetCifar#resnet50()}</td><td>100, 3×32×32</td></tr>
 *   <tr><td>resnet50-imagenet</td><td>{@link ResNetImageNet#resnet50()}</td><td>1000, 3×224×224</td></tr>
 *   <tr><td>resnet101-imagenet</td><td>{@link ResNetImageNet#resnet101()}</td><td>1000, 3×224×224</td></tr>
 *   <tr><td>small-cnn</td><td>{@link SmallCnn#builder()}</td><td>10, 1×28×28</td></tr>
 *   <tr><td>mlp</td><td>{@link Mlp#builder()}</td><td>10, 3×32×32</td></tr>
 *   <tr><td>vit-s-32</td><td>{@link VisionTransformer#vitS32()}</td><td>1000, 3×224×224</td></tr>
 *   <tr><td>vit-s-16</td><td>{@link VisionTransformer#vitS16()}</td><td>1000, 3×224×224</td></tr>
 *   <tr><td>vit-b-32</td><td>{@link VisionTransformer#vitB32()}</td><td>1000, 3×224×224</td></tr>
 *   <tr><td>vit-b-16</td><td>{@link VisionTransformer#vitB16()}</td><td>1000, 3×224×224</td></tr>
 *   <tr><td>vit-tiny-cifar</td><td>{@link VisionTransformer#tinyCifar()}</td><td>100, 3×32×32</td></tr>
 * </table>
 * Names are matched ignoring case.
 */
public final class Models {
    private static final Map<String, Supplier<ModelBuilder<?>>> REGISTRY = registry();

    private Models() {
    }

    private static Map<String, Supplier<ModelBuilder<?>>> registry() {
        Map<String, Supplier<ModelBuilder<?>>> m = new LinkedHashMap<>();
        m.put("wrn-16-4", WideResNet::wrn16x4);
        m.put("wrn-28-10", WideResNet::wrn28x10);
        m.put("wrn-16-1", WideResNet::wrn16x1);
        m.put("wrn-16-8", WideResNet::wrn16x8);
        m.put("resnet18", ResNetCifar::resnet18);
        m.put("resnet50", ResNetCifar::resnet50);
        m.put("resnet50-imagenet", ResNetImageNet::resnet50);
        m.put("resnet101-imagenet", ResNetImageNet::resnet101);
        m.put("small-cnn", SmallCnn::builder);
        m.put("mlp", Mlp::builder);
        m.put("vit-s-32", VisionTransformer::vitS32);
        m.put("vit-s-16", VisionTransformer::vitS16);
        m.put("vit-b-32", VisionTransformer::vitB32);
        m.put("vit-b-16", VisionTransformer::vitB16);
        m.put("vit-tiny-cifar", VisionTransformer::tinyCifar);
        return Collections.unmodifiableMap(m);
    }

    /** @return the registered names, in the order of the table above */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(REGISTRY.keySet()));
    }

    /**
     * A fresh builder for a registered model.
     *
     * @param name a registered name, any case
     * @return a new builder with the model's defaults
     * @throws IllegalArgumentException for an unknown name; the message lists the valid names
     */
    public static ModelBuilder<?> builder(String name) {
        Supplier<ModelBuilder<?>> supplier = name == null ? null : REGISTRY.get(name.trim().toLowerCase(Locale.ROOT));
        if (supplier == null) {
            throw new IllegalArgumentException("Unknown model '" + name + "'; valid names: " + String.join(", ", names()));
        }
        return supplier.get();
    }
}
