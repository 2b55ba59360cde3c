/**
 * Training checkpoints: a documented binary format with a SHA-256 manifest, written atomically
 * (temporary folder, fsync, rename), verified on load with fallback to the newest good one.
 */
package dev.cohort.checkpoint;
