/**
 * The API of Cohort's communication layer: ProcessGroup (one method per collective, returning a
 * Work), Tensor, DataType, ReduceOp, ProcessGroups to form a world, the Store interface, and the
 * configuration (CommConfig) with the exception hierarchy every distributed failure is reported
 * with. Sub-packages hold the mechanism: store (rendezvous server and client, exported for
 * launchers), auth (handshake), wire (frames), transport (pairs, exchange), collective (algorithms)
 * and group (the implementation).
 */
package dev.cohort.comm;
