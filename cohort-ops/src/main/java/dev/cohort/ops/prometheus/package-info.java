/**
 * The Prometheus endpoint's metrics, kept by the official Prometheus Java client from what a {@link
 * dev.cohort.ops.watch.RunWatch} reads: {@link dev.cohort.ops.prometheus.RunMetrics}.
 */
package dev.cohort.ops.prometheus;
