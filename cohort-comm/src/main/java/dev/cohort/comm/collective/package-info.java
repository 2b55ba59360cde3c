/**
 * One class per collective algorithm (AllReduceRing, AllReduceHalvingDoubling,
 * AllReduceRecursiveDoubling, BroadcastBinomialTree, ...), the AllReduceSchedule they implement,
 * the reduction kernels, and the selector that maps the configured AllReduceAlgorithm (or what it
 * chooses for a message) to its schedule.
 */
package dev.cohort.comm.collective;
