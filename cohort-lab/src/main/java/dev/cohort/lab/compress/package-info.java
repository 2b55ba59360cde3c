/**
 * {@code cohort bench compress}: gradient compression and local SGD against the float32 all-reduce
 * on an emulated slow network, in speed and in time to a target accuracy.
 */
package dev.cohort.lab.compress;
