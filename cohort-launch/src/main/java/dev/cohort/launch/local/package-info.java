/**
 * The local launcher ({@code cohort train --nproc N}, like torchrun): it hosts the rendezvous
 * store, starts the workers with a fresh secret, tees rank 0's output, writes every rank's log,
 * watches exit codes and heartbeats ({@link dev.cohort.launch.local.HangWatch}), and stops everyone
 * when one fails.
 */
package dev.cohort.launch.local;
