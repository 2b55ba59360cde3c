/**
 * Who this worker is: its rank, the world size and where the store is, from whatever started it
 * (Cohort's launcher, torchrun-style variables, Open MPI's mpirun or Slurm's srun).
 */
package dev.cohort.launch.env;
