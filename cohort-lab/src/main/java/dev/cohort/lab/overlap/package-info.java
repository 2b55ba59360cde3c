/**
 * {@code cohort bench overlap}: what a segmented backward pass ({@code --backward-segments}) buys
 * over one pass, on an emulated link (it uses both the benchmarks' tools and the lab's networks,
 * hence a package of its own).
 */
package dev.cohort.lab.overlap;
