package dev.cohort.comm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Every communication knob, with its one key ({@link EnvKeys}), its default (the {@code DEFAULT_*}
 * constants, unit in the name) and its unit. Read from the environment, where system properties
 * win, in exactly one place: {@link #fromEnvironment(Env)}; validated once, when constructed.
 *
 * @param timeout bound on every blocking call (store, connect, collective); default 120 s
 * @param bindAddress interface the data listener binds; loopback unless told otherwise
 * @param advertiseAddress address peers are told to dial; defaults to the bind address
 * @param portMin lowest data port to try (0 with portMax 0: an ephemeral port)
 * @param portMax highest data port to try
 * @param transport which transport to use between ranks on the same host
 * @param allReduceAlgorithm forced algorithm, or AUTO to choose by message and world size
 * @param smallMessageBytes all-reduces at or below this size use the latency-optimal algorithm
 * @param shmRingBytes capacity of each direction of a shared-memory pair
 * @param shmDirectory where shared-memory segments are created
 * @param socketBufferBytes SO_SNDBUF/SO_RCVBUF asked of the kernel for data sockets
 * @param checkCollectives verify before each collective that all ranks issue the same call
 * @param maxFrameBytes bound on any control frame (store, handshake); data frames are bounded by
 *     the size each side expects
 * @param encryption whether TCP traffic is encrypted after the handshake; AUTO: whenever the bind
 *     address is not loopback
 * @param hierarchical whether a world that spans hosts, with several ranks on some host,
 *     all-reduces in three steps: within each host (shared memory), among one leader per host, and
 *     back from the leader; default true
 * @param secret the shared secret every connection must prove, never null in a valid config
 */
public record CommConfig(
    Duration timeout,
    String bindAddress,
    String advertiseAddress,
    int portMin,
    int portMax,
    TransportKind transport,
    AllReduceAlgorithm allReduceAlgorithm,
    long smallMessageBytes,
    int shmRingBytes,
    Path shmDirectory,
    int socketBufferBytes,
    boolean checkCollectives,
    int maxFrameBytes,
    Encryption encryption,
    boolean hierarchical,
    byte[] secret) {

  /** Transport choice for peers that share a host. Peers on other hosts always use TCP. */
  public enum TransportKind {
    AUTO,
    TCP,
    SHM
  }

  /** Same as {@link EnvKeys#COHORT_SECRET}. */
  public static final String ENV_SECRET = EnvKeys.COHORT_SECRET;

  /** Same as {@link EnvKeys#COHORT_SECRET_FILE}. */
  public static final String ENV_SECRET_FILE = EnvKeys.COHORT_SECRET_FILE;

  public static final long DEFAULT_TIMEOUT_MS = 120_000;
  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final TransportKind DEFAULT_TRANSPORT = TransportKind.AUTO;
  public static final AllReduceAlgorithm DEFAULT_ALLREDUCE_ALGORITHM = AllReduceAlgorithm.AUTO;

  /** All-reduces up to this size take recursive doubling: {@link AllReduceAlgorithm#choose}. */
  public static final long DEFAULT_SMALL_MESSAGE_BYTES = 64 * 1024;

  public static final int DEFAULT_SHM_RING_BYTES = 1 << 20;
  public static final String DEFAULT_SHM_DIRECTORY = "/dev/shm";
  public static final int DEFAULT_SOCKET_BUFFER_BYTES = 4 << 20;
  public static final boolean DEFAULT_CHECK_COLLECTIVES = false;
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
  public static final Encryption DEFAULT_ENCRYPTION = Encryption.AUTO; // as fromEnvironment
  public static final boolean DEFAULT_HIERARCHICAL = true;

  public CommConfig {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(allReduceAlgorithm, "allReduceAlgorithm");
    Objects.requireNonNull(shmDirectory, "shmDirectory");
    Objects.requireNonNull(encryption, "encryption");
    if (advertiseAddress == null || advertiseAddress.isBlank()) {
      advertiseAddress = bindAddress;
    }
    require(!timeout.isNegative() && !timeout.isZero(), "timeout must be positive, got " + timeout);
    require(
        portMin >= 0 && portMax <= 65535 && portMin <= portMax,
        "port range must be within 0-65535 and min <= max, got " + portMin + "-" + portMax);
    require(smallMessageBytes >= 0, "smallMessageBytes must be >= 0");
    require(
        shmRingBytes >= 4096 && shmRingBytes % 64 == 0,
        "shmRingBytes must be a multiple of 64 and at least 4096, got " + shmRingBytes);
    require(socketBufferBytes >= 0, "socketBufferBytes must be >= 0");
    require(maxFrameBytes >= 1024, "maxFrameBytes must be at least 1024");
    secret = secret == null ? null : secret.clone();
  }

  /** Defaults for everything, with the given secret. */
  public static CommConfig defaults(byte[] secret) {
    return new CommConfig(
        Duration.ofMillis(DEFAULT_TIMEOUT_MS),
        DEFAULT_BIND_ADDRESS,
        null,
        0,
        0,
        DEFAULT_TRANSPORT,
        DEFAULT_ALLREDUCE_ALGORITHM,
        DEFAULT_SMALL_MESSAGE_BYTES,
        DEFAULT_SHM_RING_BYTES,
        Path.of(DEFAULT_SHM_DIRECTORY),
        DEFAULT_SOCKET_BUFFER_BYTES,
        DEFAULT_CHECK_COLLECTIVES,
        DEFAULT_MAX_FRAME_BYTES,
        DEFAULT_ENCRYPTION,
        DEFAULT_HIERARCHICAL,
        secret);
  }

  /** Defaults with the secret as UTF-8 text. */
  public static CommConfig defaults(String secret) {
    return defaults(secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the configuration from {@code env}: see {@link EnvKeys} for the keys and the {@code
   * DEFAULT_*} constants for what an unset key means.
   *
   * @throws IllegalArgumentException naming the key whose value is invalid
   * @throws AuthenticationException if neither COHORT_SECRET nor COHORT_SECRET_FILE is set
   */
  public static CommConfig fromEnvironment(Env env) {
    return CommEnvironment.read(env);
  }

  /**
   * Reads the configuration. Keys are {@code COHORT_*} environment variables; the same key in
   * {@code sysProps} (e.g. {@code -DCOHORT_TIMEOUT_MS=5000}) wins.
   *
   * @throws IllegalArgumentException naming the key whose value is invalid
   * @throws AuthenticationException if neither COHORT_SECRET nor COHORT_SECRET_FILE is set
   */
  public static CommConfig fromEnvironment(Map<String, String> env, Map<String, String> sysProps) {
    return fromEnvironment(Env.of(env, sysProps));
  }

  /** Configuration from this process's environment and system properties. */
  public static CommConfig fromEnvironment() {
    return fromEnvironment(Env.system());
  }

  /** Same as {@link Secrets#load}. */
  public static byte[] loadSecret(String text, String file) {
    return Secrets.load(text, file);
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Changes a few knobs of an existing configuration; validation runs again on {@link #build()}.
   */
  public static final class Builder {
    private Duration timeout;
    private String bindAddress;
    private String advertiseAddress;
    private int portMin;
    private int portMax;
    private TransportKind transport;
    private AllReduceAlgorithm allReduceAlgorithm;
    private long smallMessageBytes;
    private int shmRingBytes;
    private Path shmDirectory;
    private int socketBufferBytes;
    private boolean checkCollectives;
    private int maxFrameBytes;
    private Encryption encryption;
    private boolean hierarchical;
    private byte[] secret;

    private Builder(CommConfig c) {
      timeout = c.timeout;
      bindAddress = c.bindAddress;
      advertiseAddress = c.advertiseAddress;
      portMin = c.portMin;
      portMax = c.portMax;
      transport = c.transport;
      allReduceAlgorithm = c.allReduceAlgorithm;
      smallMessageBytes = c.smallMessageBytes;
      shmRingBytes = c.shmRingBytes;
      shmDirectory = c.shmDirectory;
      socketBufferBytes = c.socketBufferBytes;
      checkCollectives = c.checkCollectives;
      maxFrameBytes = c.maxFrameBytes;
      encryption = c.encryption;
      hierarchical = c.hierarchical;
      secret = c.secret;
    }

    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    public Builder bindAddress(String v) {
      bindAddress = v;
      advertiseAddress = null;
      return this;
    }

    public Builder portRange(int min, int max) {
      portMin = min;
      portMax = max;
      return this;
    }

    public Builder transport(TransportKind v) {
      transport = v;
      return this;
    }

    public Builder allReduceAlgorithm(AllReduceAlgorithm v) {
      allReduceAlgorithm = v;
      return this;
    }

    public Builder smallMessageBytes(long v) {
      smallMessageBytes = v;
      return this;
    }

    public Builder shmRingBytes(int v) {
      shmRingBytes = v;
      return this;
    }

    public Builder shmDirectory(Path v) {
      shmDirectory = v;
      return this;
    }

    public Builder checkCollectives(boolean v) {
      checkCollectives = v;
      return this;
    }

    public Builder maxFrameBytes(int v) {
      maxFrameBytes = v;
      return this;
    }

    public Builder encryption(Encryption v) {
      encryption = v;
      return this;
    }

    public Builder hierarchical(boolean v) {
      hierarchical = v;
      return this;
    }

    public Builder secret(byte[] v) {
      secret = v;
      return this;
    }

    public CommConfig build() {
      return new CommConfig(
          timeout,
          bindAddress,
          advertiseAddress,
          portMin,
          portMax,
          transport,
          allReduceAlgorithm,
          smallMessageBytes,
          shmRingBytes,
          shmDirectory,
          socketBufferBytes,
          checkCollectives,
          maxFrameBytes,
          encryption,
          hierarchical,
          secret);
    }
  }

  @Override
  public byte[] secret() {
    return secret == null ? null : secret.clone();
  }

  /** The effective configuration as rows for the start-up table; the secret is never shown. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("timeout", timeout.toMillis() + " ms");
    m.put("bind address", bindAddress);
    m.put("advertise address", advertiseAddress);
    m.put("port range", portMin == 0 && portMax == 0 ? "ephemeral" : portMin + "-" + portMax);
    m.put("transport (same host)", transport.name().toLowerCase(Locale.ROOT));
    m.put(
        "all-reduce algorithm",
        allReduceAlgorithm.configName()
            + (hierarchical ? ", hierarchical across hosts" : ", flat"));
    m.put("small message", smallMessageBytes + " B");
    m.put("shm ring", shmRingBytes + " B in " + shmDirectory);
    m.put("socket buffers", socketBufferBytes + " B");
    m.put("check collectives", String.valueOf(checkCollectives));
    m.put(
        "encryption (tcp)",
        encryption.configName()
            + (encryption == Encryption.AUTO
                ? encryptsData() ? " (on: " + bindAddress + " is not loopback)" : " (off: loopback)"
                : ""));
    m.put(
        "secret",
        secret == null || secret.length == 0 ? "NOT SET" : "set (" + secret.length + " B)");
    return m;
  }

  /** Whether this rank asks for encryption on its data connections. */
  public boolean encryptsData() {
    return encryption.wantedFor(bindAddress);
  }

  @Override
  public String toString() {
    return "CommConfig" + describe();
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
