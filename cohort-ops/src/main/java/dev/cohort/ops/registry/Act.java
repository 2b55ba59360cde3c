package dev.cohort.ops.registry;

/**
 * Who does a registry change and when: every row written by one change carries the same act.
 *
 * @param actor who acts
 * @param at when (millisecond precision)
 */
record Act(String actor, java.time.Instant at) {}
