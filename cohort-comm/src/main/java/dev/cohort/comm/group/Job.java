package dev.cohort.comm.group;

import java.time.Duration;
import java.util.function.IntConsumer;

/**
 * A unit of work for the {@link CommThread}. Collectives get the group's next sequence number when
 * issued and pass it to {@code body}; point-to-point operations number their messages per peer and
 * ignore it.
 *
 * @param what the operation as named in messages ("allReduce", "send to rank 2")
 * @param collective whether it takes a group sequence number
 * @param timeout the bound the body runs under, which the Work's {@code await()} waits for too
 * @param body runs the operation on the calling thread, throwing on failure
 */
record Job(String what, boolean collective, Duration timeout, IntConsumer body) {}
