/**
 * Shared-memory pairs for ranks on one host: single-producer single-consumer rings in a
 * memory-mapped file that is unlinked as soon as both sides have mapped it. Files are created 0600,
 * create-new, in a private 0700 folder of the creating process ({@code ShmDirectory}); a path a
 * peer sends is mapped only if it is such a file of the same user.
 */
package dev.cohort.comm.transport.shm;
