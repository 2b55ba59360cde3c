/**
 * Everything that starts worker processes: spawning N ranks with a world environment ({@code
 * spawn}), the local torchrun-like launcher that hosts the store and watches the workers ({@code
 * local}), the restart loop for failures and elastic worker counts ({@code elastic}), and {@code
 * cohort run}, which does all of that for any program ({@code program}). A worker works out its
 * rank and world from that environment with cohort-comm's {@code World}. Every launcher writes a
 * training worker's command line with {@link dev.cohort.launch.WorkerArgs}, from a {@code
 * TrainConfig}.
 */
package dev.cohort.launch;
