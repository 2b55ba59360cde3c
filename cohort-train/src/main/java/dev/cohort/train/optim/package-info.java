/**
 * Optimizers that update parameters in place on libtorch's memory from the averaged gradient
 * buckets (Adam and SGD with momentum), instead of one DJL call per parameter.
 */
package dev.cohort.train.optim;
