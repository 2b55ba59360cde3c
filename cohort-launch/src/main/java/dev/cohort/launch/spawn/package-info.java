/**
 * Starting N rank processes: {@link dev.cohort.launch.spawn.RankSpawner} builds each rank's command
 * line and world environment, {@link dev.cohort.launch.spawn.RankProcesses} owns the processes (no
 * process outlives it), waits for them within a deadline and names a failing rank with its exit
 * status and last log lines.
 */
package dev.cohort.launch.spawn;
