/**
 * One class per collective algorithm (AllReduceRing, AllReduceHalvingDoubling,
 * AllReduceRecursiveDoubling, BroadcastBinomialTree, ...), the reduction kernels, and the selector
 * that picks an all-reduce algorithm by message and group size.
 */
package dev.cohort.comm.collective;
