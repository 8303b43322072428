package org.msam.examples.analysis;

import java.util.ArrayList;
import java.util.List;

import org.msam.analysis.LossLandscape;

import picocli.CommandLine.Option;

/**
 * What {@link Analyze} measures on each run, shared by the {@code analyze} command and {@code compare --analyze}:
 * the top Hessian eigenvalues, the sharpness curves S(r) = L(θ + r·d/‖d‖) − L(θ) along the named directions, the
 * 2-D loss surface and the feature rank of a layer (definitions in docs/ALGORITHMS.md, "Loss-landscape
 * measurements").
 */
public final class AnalysisOptions {
    /** Direction names. */
    public static final List<String> DIRECTIONS = List.of("gradient", "momentum", "random", "random2");

    /** Number of top Hessian eigenvalues; 0 for none. */
    @Option(names = "--hessian", description = "Number of top Hessian eigenvalues (0: none; default 0)")
    public int hessian;
    /** Lanczos steps. */
    @Option(names = "--lanczos-steps", description = "Lanczos steps (Hessian-vector products, 2 passes each; "
            + "default " + LossLandscape.DEFAULT_LANCZOS_STEPS + ")")
    public int lanczosSteps = LossLandscape.DEFAULT_LANCZOS_STEPS;
    /** Sharpness directions, out of {@link #DIRECTIONS}, or "none". */
    @Option(names = "--directions", split = ",", description = "Sharpness directions: gradient, momentum, random, "
            + "random2 (default gradient,momentum,random; 'none' for no curves)")
    public List<String> directions = new ArrayList<>(List.of("gradient", "momentum", "random"));
    /** Radii of S(r); null for −1 to 1 in steps of 0.1. */
    @Option(names = "--radii", split = ",", description = "Radii r of S(r) (default -1 to 1 in steps of 0.1)")
    public List<Double> radii;
    /** Grid points per axis of the 2-D surface; 0 for none. */
    @Option(names = "--landscape-2d", description = "Grid points per axis of the 2-D loss surface (0: none; default 0)")
    public int grid;
    /** The two directions of the 2-D surface. */
    @Option(names = "--plane", split = ",", description = "The two directions of the 2-D surface (default "
            + "random,random2)")
    public List<String> plane = new ArrayList<>(List.of("random", "random2"));
    /** Layer or vertex of the feature rank; null for none. */
    @Option(names = "--feature-rank", description = "Layer or vertex whose activations' feature rank to measure")
    public String featureLayer;
    /** Share of the sum of singular values the feature rank holds. */
    @Option(names = "--rank-fraction", description = "Share of the sum of singular values (default 0.99)")
    public double rankFraction = 0.99;

    /** @return the radii of S(r) */
    public double[] radiiOrDefault() {
        if (radii == null || radii.isEmpty()) {
            double[] r = new double[21];
            for (int i = 0; i < r.length; i++) {
                r[i] = -1 + i * 0.1;
            }
            r[10] = 0;
            return r;
        }
        return radii.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * @return the directions to measure
     * @throws IllegalArgumentException for an unknown direction or bad settings, naming the option
     */
    public List<String> checked() {
        List<String> d = new ArrayList<>();
        for (String s : directions) {
            String t = s.trim();
            if (t.equals("none")) {
                continue;
            }
            if (!DIRECTIONS.contains(t)) {
                throw new IllegalArgumentException("Unknown direction '" + t + "' in --directions; valid: "
                        + String.join(", ", DIRECTIONS) + " (or none)");
            }
            d.add(t);
        }
        if (grid < 0 || grid == 1) {
            throw new IllegalArgumentException("--landscape-2d must be 0 (off) or at least 2 grid points, got " + grid);
        }
        if (grid > 0 && (plane.size() != 2 || !DIRECTIONS.containsAll(plane) || plane.get(0).equals(plane.get(1)))) {
            throw new IllegalArgumentException("--plane needs two different directions out of "
                    + String.join(", ", DIRECTIONS) + ", got " + plane);
        }
        if (hessian < 0) {
            throw new IllegalArgumentException("--hessian must be >= 0, got " + hessian);
        }
        if (lanczosSteps < 1) {
            throw new IllegalArgumentException("--lanczos-steps must be >= 1, got " + lanczosSteps);
        }
        if (radii != null) {
            for (Double x : radii) {
                if (x == null || !Double.isFinite(x)) {
                    throw new IllegalArgumentException("--radii must be finite numbers (for example -1,-0.5,0,0.5,1), "
                            + "got " + x + " in " + radii);
                }
            }
        }
        if (!(rankFraction > 0 && rankFraction <= 1)) {
            throw new IllegalArgumentException("--rank-fraction must be in (0, 1], got " + rankFraction);
        }
        return d;
    }
}
