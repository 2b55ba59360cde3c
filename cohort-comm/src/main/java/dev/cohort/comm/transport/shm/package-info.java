/**
 * Shared-memory pairs for ranks on one host: single-producer single-consumer rings in a
 * memory-mapped file that is unlinked as soon as both sides have mapped it.
 */
package dev.cohort.comm.transport.shm;
