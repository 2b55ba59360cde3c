/**
 * Mutual HMAC-SHA256 challenge-response that every connection, store and data alike, runs before
 * any other byte is trusted, and what keeps the accepting side alive until it does: accept loops
 * that back off instead of ending on a resource failure (AcceptBackoff) and warnings that a flood
 * of bad connections cannot multiply (RateLimitedLog).
 */
package dev.cohort.comm.auth;
