/**
 * Authenticated encryption of TCP traffic after the handshake: keys per connection and direction
 * derived from the shared secret and both handshake nonces ({@link
 * dev.cohort.comm.seal.SessionKeys}), AES-256-GCM records with a counter nonce ({@link
 * dev.cohort.comm.seal.RecordCipher}), and the record layer on blocking streams (store, group
 * formation) and on non-blocking channels (tensor traffic).
 */
package dev.cohort.comm.seal;
