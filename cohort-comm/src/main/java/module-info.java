/**
 * Cohort's communication layer, JDK only. The API (process groups, tensors, the store interface,
 * configuration and the exception hierarchy) is the package root; {@code store} adds what launchers
 * need to host or reach a rendezvous store. Everything else (transports, algorithms, the group
 * implementation, the wire format and the handshake) is mechanism and stays inside.
 */
module dev.cohort.comm {
  exports dev.cohort.comm;
  exports dev.cohort.comm.store;
}
