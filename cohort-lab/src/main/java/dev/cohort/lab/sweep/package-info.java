/**
 * {@code cohort lab sweep}: the grid of configurations, running each as a real multi-process
 * training job on its emulated network, reading what it measured, calibrating the step-time model
 * and predicting every run.
 */
package dev.cohort.lab.sweep;
