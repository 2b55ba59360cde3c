/**
 * Communication foundation of Cohort: the configuration (CommConfig) and the exception hierarchy
 * every distributed failure is reported with. Sub-packages: store (rendezvous), auth (handshake),
 * wire (frames), transport (pairs, exchange), collective (algorithms), group (process groups).
 */
package dev.cohort.comm;
