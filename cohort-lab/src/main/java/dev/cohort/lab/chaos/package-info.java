/**
 * {@code cohort lab chaos}: SIGKILL random workers, and separately the launcher, during training;
 * check that no worker outlives its launcher and that every resume starts from the newest complete
 * checkpoint; measure detection, restart and work lost per kill against an uninterrupted run.
 * {@code ChaosRun} runs it: a {@code KillPlan} says when, a {@code KillLoop} kills through a driver
 * per target ({@code WorkerKills}, {@code LauncherKills}), {@code ResumeCheck} checks the resumes
 * and {@code ChaosReport} writes chaos.md and chaos.json.
 */
package dev.cohort.lab.chaos;
