/**
 * The {@code analyze} subcommand: loss-landscape measurements ({@link org.msam.analysis.LossLandscape}) of runs
 * saved by {@code train} and {@code compare}, written as CSV files, PNG plots and a Markdown summary. Every
 * measurement is taken at a run's true weights θ.
 */
package org.msam.examples.analysis;
