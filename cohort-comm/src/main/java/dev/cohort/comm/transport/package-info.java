/**
 * Point-to-point byte streams between ranks (Pair), the non-blocking engine that drives many
 * transfers at once (Exchange), message headers, and the Mesh that connects every rank to every
 * other.
 */
package dev.cohort.comm.transport;
