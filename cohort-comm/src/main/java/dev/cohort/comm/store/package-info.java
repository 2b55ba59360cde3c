/**
 * The rendezvous store: a small authenticated TCP key-value server (StoreServer), its client
 * (TcpStore), and a prefixing view (PrefixStore) that keeps generations and sub-groups apart.
 */
package dev.cohort.comm.store;
