/**
 * Training the language model with its layers split over workers: tensor parallelism ({@code
 * --tensor}) or a mixture of experts ({@code --experts}), each composed with data parallelism
 * through sub-groups of the world ({@link dev.cohort.train.split.SplitGroups}), trained epoch by
 * epoch with evaluation and generated text ({@link dev.cohort.train.split.SplitTrainer}).
 */
package dev.cohort.train.split;
