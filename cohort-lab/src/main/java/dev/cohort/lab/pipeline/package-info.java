/**
 * {@code cohort bench pipeline}: the language model's throughput against pipeline ranks and
 * micro-batches per schedule, the measured bubble against the textbook one, and activation memory
 * of GPipe against 1F1B.
 */
package dev.cohort.lab.pipeline;
