/**
 * Memory as a figure of its own: the bytes a worker holds by kind ({@link
 * dev.cohort.train.memory.WorkerMemory}), sizes as users write them ({@link
 * dev.cohort.train.memory.ByteSize}), and a per-worker budget checked before training.
 */
package dev.cohort.train.memory;
