/**
 * Pipeline schedules as data: for each rank, the list of actions it performs in one training step
 * (forward or backward of a micro-batch on a stage, sending or receiving an activation or a
 * gradient, the optimizer step).
 *
 * <p>{@link dev.cohort.train.pipeline.schedule.Schedules} generates GPipe, 1F1B (PipeDream-flush)
 * and interleaved 1F1B; {@link dev.cohort.train.pipeline.schedule.CommLowering} inserts the sends
 * and receives; {@link dev.cohort.train.pipeline.schedule.ScheduleSimulator} checks a schedule
 * before anything runs (every send has its receive, no rank can wait forever, each micro-batch's
 * forward before its backward, each stage steps once) and times it from per-stage costs. The same
 * lists drive the run, the bubble accounting and the step-time model.
 */
package dev.cohort.train.pipeline.schedule;
