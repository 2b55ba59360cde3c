/**
 * Mutual HMAC-SHA256 challenge-response that every connection, store and data alike, runs before
 * any other byte is trusted.
 */
package dev.cohort.comm.auth;
