/**
 * Trained runs as versions of a model: a run folder scored and described for the registry ({@link
 * dev.cohort.ops.models.RunVersions}), and the champion served over HTTP, switching when the
 * champion moves ({@link dev.cohort.ops.models.ModelServer}).
 */
package dev.cohort.ops.models;
