/**
 * The rendezvous store: a small authenticated TCP key-value server (StoreServer) serving an
 * InMemoryStore, its client (TcpStore), and a prefixing view (PrefixStore) that keeps generations
 * and sub-groups apart. InMemoryStore alone serves ranks that are threads of one process. Exported:
 * launchers host and reach stores with these.
 */
package dev.cohort.comm.store;
