/**
 * Everything that starts worker processes: spawning N ranks with a world environment ({@code
 * spawn}), the local torchrun-like launcher that hosts the store and watches the workers ({@code
 * local}), the restart loop for failures and elastic worker counts ({@code elastic}), and working
 * out a worker's rank and world from what its launcher left in the environment ({@code env}). Every
 * launcher writes a worker's command line with {@link dev.cohort.launch.WorkerArgs}, from a {@code
 * TrainConfig}.
 */
package dev.cohort.launch;
