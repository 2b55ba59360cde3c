package dev.cohort.comm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Every communication knob, with its one key, its default and its unit. Read from the environment
 * (or system properties, which win) in exactly one place: {@link #fromEnvironment(Map, Map)}.
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
 * @param maxFrameBytes bound on any control frame (store, handshake); data frames are bounded by the
 *     size each side expects
 * @param secret the shared secret every connection must prove, never null in a valid config
 */
public record CommConfig(
    Duration timeout,
    String bindAddress,
    String advertiseAddress,
    int portMin,
    int portMax,
    TransportKind transport,
    String allReduceAlgorithm,
    long smallMessageBytes,
    int shmRingBytes,
    Path shmDirectory,
    int socketBufferBytes,
    boolean checkCollectives,
    int maxFrameBytes,
    byte[] secret) {

  /** Transport choice for peers that share a host. Peers on other hosts always use TCP. */
  public enum TransportKind {
    AUTO,
    TCP,
    SHM
  }

  public static final String ENV_SECRET = "COHORT_SECRET";
  public static final String ENV_SECRET_FILE = "COHORT_SECRET_FILE";

  public CommConfig {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(allReduceAlgorithm, "allReduceAlgorithm");
    Objects.requireNonNull(shmDirectory, "shmDirectory");
    if (advertiseAddress == null || advertiseAddress.isBlank()) {
      advertiseAddress = bindAddress;
    }
    require(!timeout.isNegative() && !timeout.isZero(), "timeout must be positive, got " + timeout);
    require(portMin >= 0 && portMax <= 65535 && portMin <= portMax,
        "port range must be within 0-65535 and min <= max, got " + portMin + "-" + portMax);
    require(smallMessageBytes >= 0, "smallMessageBytes must be >= 0");
    require(shmRingBytes >= 4096 && shmRingBytes % 64 == 0,
        "shmRingBytes must be a multiple of 64 and at least 4096, got " + shmRingBytes);
    require(socketBufferBytes >= 0, "socketBufferBytes must be >= 0");
    require(maxFrameBytes >= 1024, "maxFrameBytes must be at least 1024");
    secret = secret == null ? null : secret.clone();
  }

  /** Defaults for everything, with the given secret. */
  public static CommConfig defaults(byte[] secret) {
    return new CommConfig(Duration.ofSeconds(120), "127.0.0.1", null, 0, 0, TransportKind.AUTO,
        "auto", 64 * 1024, 1 << 20, Path.of("/dev/shm"), 4 << 20, false, 16 << 20, secret);
  }

  /** Defaults with the secret as UTF-8 text. */
  public static CommConfig defaults(String secret) {
    return defaults(secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the configuration. Keys are {@code COHORT_*} environment variables; the same key in
   * {@code sysProps} (e.g. {@code -DCOHORT_TIMEOUT_MS=5000}) wins.
   *
   * @throws IllegalArgumentException naming the key whose value is invalid
   * @throws AuthenticationException if neither COHORT_SECRET nor COHORT_SECRET_FILE is set
   */
  public static CommConfig fromEnvironment(Map<String, String> env, Map<String, String> sysProps) {
    Function<String, String> get = key -> sysProps.getOrDefault(key, env.get(key));
    CommConfig d = defaults(new byte[0]);
    String ports = get.apply("COHORT_PORT_RANGE");
    int pmin = d.portMin;
    int pmax = d.portMax;
    if (ports != null && !ports.isBlank()) {
      String[] p = ports.split("-", 2);
      pmin = parseInt("COHORT_PORT_RANGE", p[0]);
      pmax = p.length == 2 ? parseInt("COHORT_PORT_RANGE", p[1]) : pmin;
    }
    return new CommConfig(
        Duration.ofMillis(parseLong(get, "COHORT_TIMEOUT_MS", d.timeout.toMillis())),
        orDefault(get.apply("COHORT_BIND_ADDR"), d.bindAddress),
        get.apply("COHORT_ADVERTISE_ADDR"),
        pmin,
        pmax,
        parseEnum(get, "COHORT_TRANSPORT", d.transport),
        orDefault(get.apply("COHORT_ALLREDUCE_ALGO"), d.allReduceAlgorithm).toLowerCase(Locale.ROOT),
        parseLong(get, "COHORT_SMALL_MESSAGE_BYTES", d.smallMessageBytes),
        (int) parseLong(get, "COHORT_SHM_RING_BYTES", d.shmRingBytes),
        Path.of(orDefault(get.apply("COHORT_SHM_DIR"), d.shmDirectory.toString())),
        (int) parseLong(get, "COHORT_SOCKET_BUFFER_BYTES", d.socketBufferBytes),
        Boolean.parseBoolean(orDefault(get.apply("COHORT_CHECK_COLLECTIVES"), "false")),
        (int) parseLong(get, "COHORT_MAX_FRAME_BYTES", d.maxFrameBytes),
        loadSecret(get.apply(ENV_SECRET), get.apply(ENV_SECRET_FILE)));
  }

  /** Configuration from this process's environment and system properties. */
  public static CommConfig fromEnvironment() {
    Map<String, String> props = new LinkedHashMap<>();
    System.getProperties().forEach((k, v) -> props.put(k.toString(), v.toString()));
    return fromEnvironment(System.getenv(), props);
  }

  /** The secret from its text, or else from a file; fails with what to do when neither is set. */
  public static byte[] loadSecret(String text, String file) {
    if (text != null && !text.isEmpty()) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    if (file != null && !file.isEmpty()) {
      try {
        byte[] bytes = Files.readAllBytes(Path.of(file));
        String trimmed = new String(bytes, StandardCharsets.UTF_8).strip();
        if (trimmed.isEmpty()) {
          throw new AuthenticationException("secret file " + file + " is empty");
        }
        return trimmed.getBytes(StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        throw new AuthenticationException("cannot read secret file " + file + ": " + e);
      }
    }
    throw new AuthenticationException("no shared secret: set " + ENV_SECRET + " or " + ENV_SECRET_FILE
        + " to the same value on every rank (the cohort launcher does this for you)");
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes a few knobs of an existing configuration; validation runs again on {@link #build()}. */
  public static final class Builder {
    private Duration timeout;
    private String bindAddress;
    private String advertiseAddress;
    private int portMin;
    private int portMax;
    private TransportKind transport;
    private String allReduceAlgorithm;
    private long smallMessageBytes;
    private int shmRingBytes;
    private Path shmDirectory;
    private int socketBufferBytes;
    private boolean checkCollectives;
    private int maxFrameBytes;
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

    public Builder allReduceAlgorithm(String v) {
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

    public Builder secret(byte[] v) {
      secret = v;
      return this;
    }

    public CommConfig build() {
      return new CommConfig(timeout, bindAddress, advertiseAddress, portMin, portMax, transport,
          allReduceAlgorithm, smallMessageBytes, shmRingBytes, shmDirectory, socketBufferBytes,
          checkCollectives, maxFrameBytes, secret);
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
    m.put("all-reduce algorithm", allReduceAlgorithm);
    m.put("small message", smallMessageBytes + " B");
    m.put("shm ring", shmRingBytes + " B in " + shmDirectory);
    m.put("socket buffers", socketBufferBytes + " B");
    m.put("check collectives", String.valueOf(checkCollectives));
    m.put("secret", secret == null || secret.length == 0 ? "NOT SET" : "set (" + secret.length + " B)");
    return m;
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

  private static String orDefault(String v, String d) {
    return v == null || v.isBlank() ? d : v.strip();
  }

  private static long parseLong(Function<String, String> get, String key, long d) {
    String v = get.apply(key);
    if (v == null || v.isBlank()) {
      return d;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be PORT or MIN-MAX, got '" + v + "'");
    }
  }

  private static TransportKind parseEnum(Function<String, String> get, String key, TransportKind d) {
    String v = get.apply(key);
    if (v == null || v.isBlank()) {
      return d;
    }
    try {
      return TransportKind.valueOf(v.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " must be one of auto, tcp, shm; got '" + v + "'");
    }
  }
}
