/**
 * {@code cohort bench compress}: gradient compression (fp16, bf16, PowerSGD, top-k) and local SGD
 * against the float32 all-reduce on an emulated slow network, and the hierarchical all-reduce
 * against the flat one on two emulated hosts, in speed and in time to a target accuracy, with the
 * step-time model's prediction for each ({@link dev.cohort.lab.compress.SyncPredictions}).
 */
package dev.cohort.lab.compress;
