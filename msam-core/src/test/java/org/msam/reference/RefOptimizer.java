package org.msam.reference;

/** A base optimizer written in plain double precision from docs/ALGORITHMS.md. */
public interface RefOptimizer {
    /**
     * One step on θ in place.
     *
     * @param theta     the true weights
     * @param g         the gradient (coupled weight decay, if any, is added by the optimizer)
     * @param iteration the iteration, for schedules
     */
    void step(double[] theta, double[] g, int iteration);

    /** @return the buffer MSAM perturbs along (SGD's v, AdamW's m) */
    double[] momentum();
}
