/**
 * A trained image classifier outside training: loaded from a run folder's {@code model/} ({@link
 * dev.cohort.train.serve.Classifier}), scored on the test set and its shifted versions, class by
 * class ({@link dev.cohort.train.serve.Scores}), for the model registry and its inference server.
 */
package dev.cohort.train.serve;
