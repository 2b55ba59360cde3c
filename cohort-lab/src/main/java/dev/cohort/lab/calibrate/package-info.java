/**
 * {@code cohort lab calibrate}: measures on this machine what the planner's model needs (compute
 * per sample, optimizer cost per parameter, reduction speed, α and β of TCP all-reduce) into a
 * typed {@link dev.cohort.lab.calibrate.MachineCalibration}, which {@code cohort plan} reads.
 */
package dev.cohort.lab.calibrate;
