/**
 * The efficiency lab's HTML report: XChart plots of speedup, step breakdown, networks, algorithms,
 * buckets, memory, cost and accuracy, embedded in one self-contained page with its tables.
 */
package dev.cohort.lab.report;
