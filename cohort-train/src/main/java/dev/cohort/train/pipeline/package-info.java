/**
 * Pipeline parallelism: a model cut into stages of consecutive blocks ({@link
 * dev.cohort.train.pipeline.StagedModel}, {@link dev.cohort.train.pipeline.StagePartition}), each
 * rank running its stages' forwards and backwards for the micro-batches of a global batch in the
 * order a {@link dev.cohort.train.pipeline.schedule.Schedule} gives ({@link
 * dev.cohort.train.pipeline.PipelineRank}), activations and gradients going between ranks over
 * Cohort's send and receive.
 */
package dev.cohort.train.pipeline;
