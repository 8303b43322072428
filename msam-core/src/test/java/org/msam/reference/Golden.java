package org.msam.reference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** Reads the PyTorch golden fixtures (see src/test/resources/golden/README.md). */
public final class Golden {
    private Golden() {
    }

    /** @param resource class-path resource, e.g. "/golden/optim/sgd_momentum.json" */
    public static JsonNode load(String resource) {
        try (InputStream in = Golden.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("Missing golden fixture " + resource);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a parameter set (array of arrays) flattened in order */
    public static double[] flat(JsonNode paramSet) {
        int n = 0;
        for (JsonNode t : paramSet) {
            n += t.size();
        }
        double[] r = new double[n];
        int i = 0;
        for (JsonNode t : paramSet) {
            for (JsonNode x : t) {
                r[i++] = x.asDouble();
            }
        }
        return r;
    }

    /** @return a plain array of numbers */
    public static double[] array(JsonNode arr) {
        double[] r = new double[arr.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = arr.get(i).asDouble();
        }
        return r;
    }
}
