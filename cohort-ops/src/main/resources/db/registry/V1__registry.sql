-- Cohort model registry, schema 1. Runs unchanged on SQLite and PostgreSQL.
-- Times are ISO-8601 instants stored as text, so they round-trip exactly on both databases.
-- Rows are only ever inserted: versions, alias moves and audit entries are history.

CREATE TABLE model_version (
    model             VARCHAR(128)     NOT NULL,
    version           INTEGER          NOT NULL,
    run_dir           TEXT             NOT NULL,
    code_version      TEXT,
    config            TEXT             NOT NULL,
    world_size        INTEGER          NOT NULL,
    strategy          TEXT             NOT NULL,
    data_fingerprint  TEXT             NOT NULL,
    checkpoint_digest TEXT             NOT NULL,
    checkpoint_path   TEXT             NOT NULL,
    training_seconds  DOUBLE PRECISION NOT NULL,
    evaluation        TEXT             NOT NULL,
    created_by        TEXT             NOT NULL,
    created_at        TEXT             NOT NULL,
    PRIMARY KEY (model, version),
    CHECK (version >= 1),
    CHECK (world_size >= 1)
);

-- The alias points at the version of its newest row; previous_seq is the row a rollback returns to
-- (0: none).
CREATE TABLE alias_history (
    model        VARCHAR(128) NOT NULL,
    alias        VARCHAR(64)  NOT NULL,
    seq          BIGINT       NOT NULL,
    version      INTEGER      NOT NULL,
    previous_seq BIGINT       NOT NULL,
    reason       VARCHAR(16)  NOT NULL,
    set_by       TEXT         NOT NULL,
    set_at       TEXT         NOT NULL,
    PRIMARY KEY (model, alias, seq),
    FOREIGN KEY (model, version) REFERENCES model_version (model, version),
    CHECK (reason IN ('PROMOTE', 'ROLLBACK'))
);

-- Append-only and hash-chained: hash = SHA-256 over the other columns (see AuditChain),
-- prev_hash = the previous entry's hash, 64 zeros for entry 1. Every write transaction locks this
-- table first, which serializes writers.
CREATE TABLE audit_log (
    seq         BIGINT       NOT NULL PRIMARY KEY,
    recorded_at TEXT         NOT NULL,
    actor       TEXT         NOT NULL,
    action      VARCHAR(16)  NOT NULL,
    model       VARCHAR(128) NOT NULL,
    version     INTEGER      NOT NULL,
    detail      TEXT         NOT NULL,
    prev_hash   CHAR(64)     NOT NULL,
    hash        CHAR(64)     NOT NULL UNIQUE,
    CHECK (action IN ('REGISTER', 'PROMOTE', 'REFUSE', 'ROLLBACK', 'SERVE'))
);
