/** Benchmarks that measure Cohort against its peers in the same run. */
package dev.cohort.lab.bench;
