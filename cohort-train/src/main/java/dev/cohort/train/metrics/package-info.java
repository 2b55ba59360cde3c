/**
 * What a run records: the time breakdown of every step, run listeners (progress bar, metrics files)
 * and the records written to the run folder, typed: {@code config.json} as {@link
 * dev.cohort.train.metrics.EffectiveConfig}, {@code metrics.csv} through {@link
 * dev.cohort.train.metrics.MetricsCsv}, {@code summary.json} as {@link
 * dev.cohort.train.metrics.RunSummary}. Readers elsewhere (the lab, the command line) use these
 * rather than parsing the files themselves.
 */
package dev.cohort.train.metrics;
