/**
 * Gradient compression on the wire: 16-bit floats ({@link dev.cohort.train.compress.HalfFloats})
 * and the all-reduce that sends them while it accumulates in 32 bits ({@link
 * dev.cohort.train.compress.CompressedAllReduce}).
 */
package dev.cohort.train.compress;
