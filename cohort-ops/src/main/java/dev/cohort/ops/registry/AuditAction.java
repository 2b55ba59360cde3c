package dev.cohort.ops.registry;

/** What an audit entry records. */
public enum AuditAction {
  /** A version was registered. */
  REGISTER,
  /** The champion alias moved to a version (forced or through the gate). */
  PROMOTE,
  /** The gate refused to promote a version; no alias moved. */
  REFUSE,
  /** The champion alias moved back to the previous champion. */
  ROLLBACK,
  /** A version was served. */
  SERVE
}
