/**
 * The model registry: every trained version of a model with its lineage (run folder, code version,
 * effective config, data fingerprint, checkpoint digest) and its evaluation (held-out test set and
 * shifted sets, per class), a "champion" alias that moves only through a regression {@link
 * dev.cohort.ops.registry.Gate} (or an audited {@code --force}), rollback through the alias
 * history, and an append-only, hash-chained audit log written in the same transaction as each
 * change.
 *
 * <p>{@link dev.cohort.ops.registry.Registry} is the entry point; it stores everything in embedded
 * SQLite (one private file) or in PostgreSQL for a team, with the schema migrated by Flyway from
 * {@code db/registry}. {@link dev.cohort.ops.registry.ModelDiff} and {@link
 * dev.cohort.ops.registry.ModelCard} turn versions into text for people. The {@code cohort models}
 * commands and the HTTP serving sit on top of this package.
 */
package dev.cohort.ops.registry;
