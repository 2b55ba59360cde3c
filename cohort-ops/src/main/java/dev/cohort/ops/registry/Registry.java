package dev.cohort.ops.registry;

import dev.cohort.checkpoint.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The model registry: versions of models with lineage and evaluation, the "champion" alias and an
 * audit log, in embedded SQLite (one private file, see {@link #sqliteUrl}) or PostgreSQL.
 *
 * <p>Every change runs in one transaction that first takes the registry's write lock (SQLite {@code
 * BEGIN IMMEDIATE}, a PostgreSQL table lock), waiting at most the lock timeout (5 s by default),
 * and writes its audit entry in the same transaction: it is stored completely or not at all, and
 * concurrent writers, in this process or others, get distinct version numbers and one unbroken
 * audit chain. Reads never wait for writers.
 *
 * <p>Thread-safe: calls are serialized on one connection. Every failure is a {@link
 * RegistryException} with a one-line message; an invalid argument is an {@link
 * IllegalArgumentException}.
 */
public final class Registry implements AutoCloseable {

  private final RegistryDatabase database;
  private final Clock clock;
  private final VersionTable versions = new VersionTable();
  private final AliasTable aliases = new AliasTable();
  private final AuditLog auditLog = new AuditLog();
  private final ChampionMoves champions;

  private Registry(RegistryDatabase database, Clock clock) {
    this.database = database;
    this.clock = clock;
    this.champions = new ChampionMoves(versions, aliases, auditLog);
  }

  /** Opens a registry with the default settings, as {@link #open(RegistrySettings)} does. */
  public static Registry open(String jdbcUrl) {
    return open(RegistrySettings.of(jdbcUrl));
  }

  /**
   * Connects, migrates the schema to the newest version and returns the ready registry. A file that
   * is not a SQLite database, an unreachable server or a failed migration is a {@link
   * RegistryException} and leaves the database as it was.
   */
  public static Registry open(RegistrySettings settings) {
    RegistryDatabase database = RegistryDatabase.connect(settings);
    try {
      Migrations.migrate(settings.connectionUrl(), database);
    } catch (RuntimeException e) {
      try {
        database.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    return new Registry(database, settings.clock());
  }

  /**
   * The JDBC URL of a SQLite registry file. Creates the parent folders and, if the file is absent,
   * an empty file readable and writable by its owner only (0600), before SQLite ever opens it.
   */
  public static String sqliteUrl(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    try {
      PrivateFiles.createDirectories(absolute.getParent());
      if (!Files.exists(absolute)) {
        PrivateFiles.restrict(absolute); // SQLite gives its -wal and -shm files the same mode
      }
    } catch (IOException e) {
      throw new RegistryException(
          "cannot create registry file "
              + absolute
              + " ("
              + e
              + "); check that its folder can be created and written, or point --registry at"
              + " another file",
          e);
    }
    return JdbcUrls.SQLITE + absolute;
  }

  /** The registry as named in messages: the SQLite file, or the URL without its password. */
  public String location() {
    return database.label();
  }

  /**
   * Registers a new version, numbered one past the model's newest (1 for a new model), and audits
   * it.
   */
  public ModelVersion register(NewVersion v, String actor) {
    ModelNames.requireActor(actor);
    JsonCodec.readTree(v.lineage().config(), "the training config of model " + v.model());
    Act act = act(actor);
    return database.write(
        "register a version of " + v.model(),
        c -> {
          int number = versions.nextVersion(c, v.model());
          ModelVersion version =
              new ModelVersion(v.model(), number, v.lineage(), v.evaluation(), actor, act.at());
          versions.insert(c, version);
          Lineage l = v.lineage();
          Map<String, Object> detail = new LinkedHashMap<>();
          detail.put("run_dir", l.runDir());
          detail.put("code_version", l.codeVersion());
          detail.put("data_fingerprint", l.dataFingerprint());
          detail.put("checkpoint_digest", l.checkpointDigest());
          auditLog.append(c, act, AuditAction.REGISTER, version, detail);
          return version;
        });
  }

  /** All versions of a model, oldest first; fails for an unknown model. */
  public List<ModelVersion> list(String model) {
    ModelNames.require(model);
    return database.read(
        "list the versions of " + model,
        c -> {
          List<ModelVersion> found = versions.list(c, model);
          if (found.isEmpty()) {
            throw unknownModel(c, model);
          }
          return found;
        });
  }

  /** Every model with at least one version, sorted by name. */
  public List<String> models() {
    return database.read("list the models", versions::models);
  }

  /** One version, if it is registered. */
  public Optional<ModelVersion> find(String model, int version) {
    ModelNames.require(model);
    return database.read("read " + model + " v" + version, c -> versions.find(c, model, version));
  }

  /** One version; fails naming the versions that exist when it is not registered. */
  public ModelVersion get(String model, int version) {
    ModelNames.require(model);
    return database.read("read " + model + " v" + version, c -> require(c, model, version));
  }

  /** The version the champion alias points at; empty when nothing was promoted yet. */
  public Optional<ModelVersion> champion(String model) {
    ModelNames.require(model);
    return database.read(
        "read the champion of " + model,
        c -> {
          Optional<AliasChange> current = aliases.current(c, model, AliasTable.CHAMPION);
          return current.isEmpty()
              ? Optional.<ModelVersion>empty()
              : versions.find(c, model, current.get().version());
        });
  }

  /**
   * Makes a version the champion if it passes {@code gate} against the current champion (the
   * model's first promotion always passes). A refusal moves nothing but is audited as REFUSE; with
   * {@code force} the promotion happens anyway and is audited with the regressions it overrode.
   * Fails when the version is unknown or already the champion.
   */
  public Promotion promote(String model, int version, Gate gate, boolean force, String actor) {
    ModelNames.require(model);
    ModelNames.requireActor(actor);
    Objects.requireNonNull(gate, "gate");
    Act act = act(actor);
    return database.write(
        "promote " + model + " v" + version,
        c -> champions.promote(c, require(c, model, version), gate, force, act));
  }

  /**
   * Moves the champion alias back to the version that was champion before the current one; a second
   * rollback goes one further back. Fails when the model has no earlier champion.
   */
  public ModelVersion rollback(String model, String actor) {
    ModelNames.require(model);
    ModelNames.requireActor(actor);
    Act act = act(actor);
    return database.write(
        "roll back the champion of " + model,
        c -> {
          if (versions.versionNumbers(c, model).isEmpty()) {
            throw unknownModel(c, model);
          }
          return champions.rollback(c, model, act);
        });
  }

  /** Records in the audit log that a version was served; fails when the version is unknown. */
  public void recordServe(String model, int version, String actor) {
    ModelNames.require(model);
    ModelNames.requireActor(actor);
    Act act = act(actor);
    database.write(
        "record serving " + model + " v" + version,
        c -> auditLog.append(c, act, AuditAction.SERVE, require(c, model, version), Map.of()));
  }

  /** Every audit entry, oldest first. */
  public List<AuditEntry> audit() {
    return database.read("read the audit log", auditLog::readAll);
  }

  /** Walks the audit chain and reports the first changed, missing or reordered entry. */
  public AuditCheck verifyAudit() {
    return AuditChain.verify(audit());
  }

  /** Closes the connection; further calls fail. */
  @Override
  public void close() {
    database.close();
  }

  private Act act(String actor) {
    return new Act(actor, clock.instant().truncatedTo(ChronoUnit.MILLIS));
  }

  private ModelVersion require(Connection c, String model, int version) throws SQLException {
    Optional<ModelVersion> found = versions.find(c, model, version);
    if (found.isPresent()) {
      return found.get();
    }
    List<Integer> numbers = versions.versionNumbers(c, model);
    if (numbers.isEmpty()) {
      throw unknownModel(c, model);
    }
    throw new RegistryException(
        "no version "
            + version
            + " of model "
            + model
            + " (versions: "
            + numbers.stream().map(String::valueOf).collect(Collectors.joining(", "))
            + ")");
  }

  private RegistryException unknownModel(Connection c, String model) throws SQLException {
    List<String> models = versions.models(c);
    return new RegistryException(
        "no model "
            + model
            + " in registry "
            + database.label()
            + " (models: "
            + (models.isEmpty() ? "none yet" : String.join(", ", models))
            + "); register a version first");
  }
}
