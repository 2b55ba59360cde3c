/**
 * {@code cohort run}: torchrun for any program. {@link dev.cohort.launch.program.ProgramLauncher}
 * starts N processes of a command with the world's environment (the variables {@code
 * dev.cohort.comm.Cohort.init()} reads, plus the run folder and the restart count), shows every
 * rank's output prefixed with its rank, keeps each rank's log, names the rank that failed and
 * restarts the world, through the same local launcher and restart loop as {@code cohort train}.
 */
package dev.cohort.launch.program;
