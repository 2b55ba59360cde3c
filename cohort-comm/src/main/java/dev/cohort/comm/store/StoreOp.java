package dev.cohort.comm.store;

/** Opcodes of the store's wire protocol; the first byte of every request frame. */
enum StoreOp {
  SET,
  GET,
  ADD,
  CAS,
  DELETE,
  WAIT,
  CHECK;

  static final int STATUS_OK = 0;
  static final int STATUS_TIMEOUT = 1;
  static final int STATUS_ABSENT = 2;
  static final int STATUS_ERROR = 3;

  static StoreOp of(int code) {
    StoreOp[] all = values();
    return code >= 0 && code < all.length ? all[code] : null;
  }
}
