/**
 * What a run records: the time breakdown of every step, run listeners (progress bar, metrics files)
 * and the records written to the run folder.
 */
package dev.cohort.train.metrics;
