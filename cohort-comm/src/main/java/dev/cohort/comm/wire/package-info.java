/** Bounded, length-prefixed frames for control traffic; no Java serialization anywhere. */
package dev.cohort.comm.wire;
