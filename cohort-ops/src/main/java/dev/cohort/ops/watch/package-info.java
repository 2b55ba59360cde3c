/**
 * Watching a run folder while it is written: every rank's steps ({@code ranks/rank-<r>.csv}), the
 * run's history, checkpoints and expert routing, read incrementally ({@link
 * dev.cohort.ops.watch.RunWatch}), and the {@link dev.cohort.ops.watch.Alerts alerts} they raise.
 */
package dev.cohort.ops.watch;
