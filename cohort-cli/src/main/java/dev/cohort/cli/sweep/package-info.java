/**
 * {@code cohort lab sweep}: the options of the efficiency sweep; the sweep itself (grid, runner,
 * model, report) is in cohort-lab.
 */
package dev.cohort.cli.sweep;
