/** The TCP pair: non-blocking sockets, reading straight into destinations. */
package dev.cohort.comm.transport.tcp;
