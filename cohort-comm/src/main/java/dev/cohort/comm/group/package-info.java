/**
 * The implementation behind the API at the package root: world formation through the store
 * (Rendezvous), the process group itself (DefaultProcessGroup, which checks each call and hands it
 * to an algorithm), the communication thread that runs collectives in issue order and latches the
 * first failure, failure reports, and shared-memory tensors. Not exported.
 */
package dev.cohort.comm.group;
