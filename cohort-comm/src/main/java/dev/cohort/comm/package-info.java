/**
 * The API of Cohort's communication layer: ProcessGroup (one method per collective, taking the data
 * and optionally CollectiveOptions, returning a Work; GroupStats for what it did), Tensor,
 * DataType, ReduceOp, AllReduceAlgorithm, ProcessGroups to form a world, World and Cohort to join
 * the world a launcher (cohort run, torchrun-style variables, mpirun, srun) started, and the Store
 * interface; the configuration (CommConfig, its keys in EnvKeys, read through Env, the secret
 * through Secrets); and the exception hierarchy every distributed failure is reported with.
 * Sub-packages hold the mechanism: store (rendezvous server and client, exported for launchers),
 * auth (handshake), wire (frames), transport (pairs, exchange), collective (algorithms) and group
 * (the implementation).
 */
package dev.cohort.comm;
