/**
 * {@code cohort lab chaos}: SIGKILL random workers during training and measure detection, restart
 * and work lost per failure against an uninterrupted run.
 */
package dev.cohort.lab.chaos;
