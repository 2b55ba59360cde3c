/**
 * Emulated networks for the lab: workers in network namespaces joined by veth pairs to a bridge,
 * {@code tc tbf} rate limits and {@code nft} loss, a user-space delay relay for latency (this
 * kernel has no netem), and a loopback fallback when namespaces cannot be made.
 */
package dev.cohort.lab.net;
