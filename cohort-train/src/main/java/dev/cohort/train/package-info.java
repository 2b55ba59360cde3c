/**
 * Training with DJL (the only module that knows DJL): the run configuration ({@link
 * dev.cohort.train.TrainConfig}), one worker's life from joining its world to writing its records,
 * heartbeats and graceful stop. Strategies live in sub-packages ({@code ddp} today; see
 * docs/architecture.md for where pipeline, tensor, expert and sharded parallelism go).
 */
package dev.cohort.train;
