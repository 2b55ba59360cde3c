/**
 * The local launcher ({@code cohort train --nproc N} and {@code cohort run}, like torchrun): it
 * hosts the rendezvous store, starts N processes of a command with a fresh secret, tees rank 0's
 * output (or every rank's, prefixed with its rank), writes every rank's log, watches exit codes and
 * progress (training heartbeats, {@link dev.cohort.launch.local.HangWatch}, or output, {@link
 * dev.cohort.launch.local.SilenceWatch}), and stops everyone when one fails or the launcher is
 * interrupted.
 */
package dev.cohort.launch.local;
