/**
 * Learning-rate and ρ schedules ({@link org.nd4j.linalg.schedule.ISchedule}) that survive JSON and
 * compare by value.
 *
 * <h2>Counters</h2>
 * {@code valueAt(iteration, epoch)} receives DL4J's two counters, both starting at 0: the value used for
 * the first update is {@code valueAt(0, 0)}.
 * <ul>
 *   <li>{@code iteration} is the model's iteration count: the number of parameter updates done so far,
 *       over the whole run (it does not restart at each epoch). DL4J increments it after each mini-batch
 *       step, so an updater and its schedules see the value of the step they compute.</li>
 *   <li>{@code epoch} is the model's epoch count, incremented at the end of each epoch of
 *       {@code fit(DataSetIterator)}. {@code fit(DataSet)} and {@code fit(MultiDataSet)} never advance it:
 *       in a manual loop, call {@code incrementEpochCount()} or epoch schedules stay at epoch 0.</li>
 * </ul>
 * {@link org.msam.schedule.WarmupCosineSchedule} and the warm-up of {@link org.msam.schedule.WarmupSchedule}
 * count iterations. {@link org.msam.schedule.LinearRampSchedule}, {@link org.msam.schedule.CosineSchedule}
 * and {@link org.msam.schedule.OffThenOnSchedule} count u = the iteration or the epoch, chosen by their
 * {@link org.nd4j.linalg.schedule.ScheduleType}. Wrapped schedules see the same, unshifted counters;
 * {@link org.msam.schedule.WarmupCosineSchedule} is a {@code LinearRampSchedule} followed by a {@code
 * CosineSchedule} that sees the iteration minus the warm-up.
 * Every value is a closed-form function of the counters, so a model restored with its counts resumes on the
 * same values.
 *
 * <h2>JSON and equality</h2>
 * Every class has a Jackson creator ({@code @JsonProperty} constructor of ND4J's shaded Jackson) and is
 * written with its {@code "@class"}, so a DL4J configuration holding one round-trips through
 * {@code toJson/fromJson} and {@code ModelSerializer}; ND4J's {@code RampSchedule} does not. Fields are
 * immutable, and {@code equals/hashCode} cover every field (wrapped schedules by their own {@code equals}):
 * DL4J puts consecutive layers into one updater block only when their updater configurations, schedules
 * included, are equal. Arguments are checked in the constructors, with PyTorch-style messages such as
 * {@code "Invalid warmupIterations value: -1 (must be >= 0)"}; a builder's unset required value throws
 * {@code IllegalStateException("Missing required value: <name>")}.
 */
package org.msam.schedule;
