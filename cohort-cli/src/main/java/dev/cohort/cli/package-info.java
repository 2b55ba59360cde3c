/** The cohort command line (picocli). */
package dev.cohort.cli;
