/**
 * English text for the character-level language model: Debian's fortunes read from disk (never
 * downloaded), a fixed train/validation split, a fixed vocabulary of printable ASCII, and
 * next-character windows to train on.
 */
package dev.cohort.train.data.text;
