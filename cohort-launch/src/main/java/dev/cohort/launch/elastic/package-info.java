/**
 * What happens after a worker fails: {@link dev.cohort.launch.elastic.ElasticSupervisor} restarts
 * the world under a new rendezvous generation from the newest checkpoint, and with an elastic
 * {@link dev.cohort.launch.elastic.WorkerRange} (MIN:MAX) goes on with one worker fewer and the
 * same global batch, or stops cleanly below the minimum.
 */
package dev.cohort.launch.elastic;
