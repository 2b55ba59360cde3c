/** Operations: watching a run (the live dashboard, Prometheus metrics) and versions of models. */
package dev.cohort.ops;
