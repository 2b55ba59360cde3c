/**
 * Cost models: the α-β-γ cost of each all-reduce algorithm ({@link
 * dev.cohort.lab.model.NetworkModel}), the step-time model of data-parallel training on shared
 * hosts and emulated networks ({@link dev.cohort.lab.model.StepTimeModel}), the step time of a
 * pipeline from its schedule ({@link dev.cohort.lab.model.PipelineStepModel}), and the planner
 * behind {@code cohort plan}.
 */
package dev.cohort.lab.model;
