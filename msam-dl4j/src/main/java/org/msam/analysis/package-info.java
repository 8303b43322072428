/**
 * Loss-landscape measurements of trained DL4J networks (the MSAM paper's Sec. 4.3, Fig. 4 and A.13, Tab. A.1 and
 * A.5): top Hessian eigenvalues, sharpness along a direction, 2-D loss surfaces and feature rank, in
 * {@link org.msam.analysis.LossLandscape}.
 *
 * <p>Conventions, stated once:
 * <ul>
 *   <li>θ is whatever the model holds when a method is called. With MSAM, the caller moves the model to its
 *       true weights first: call after {@code fit(iterator)} returned, or inside
 *       {@code try (PerturbationScope s = SharpnessAware.unperturbed(net)) { ... }}.</li>
 *   <li>Every method works on a double-precision copy of the model ({@code clone()}, or
 *       {@code convertDataType(DOUBLE)} for a float model), so the caller's model (weights, updater state, layer
 *       inputs, configuration) is never written to; weights are read, not perturbed in place.</li>
 *   <li>L(θ) is the mean data loss over every sample of the iterator (reset first; a last partial batch counts
 *       with its own size): the output layers' loss from {@code scoreExamples(batch, false)}, i.e. in inference mode
 *       (dropout off, BatchNorm with its running statistics) and without regularization terms (l1, l2, weight
 *       decay).</li>
 *   <li>Directions are flat vectors laid out like {@code net.params()}.</li>
 * </ul>
 */
package org.msam.analysis;
