/**
 * The {@code cohort} command: picocli adapters only. Each command parses and validates its options
 * (a bad one is a one-line error and exit status 2), calls the layers below (launch, lab, train)
 * and prints; no training, launching or measuring logic lives here.
 */
package dev.cohort.cli;
