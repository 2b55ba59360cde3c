package dev.cohort.comm;

import static dev.cohort.comm.EnvKeys.COHORT_ADVERTISE_ADDR;
import static dev.cohort.comm.EnvKeys.COHORT_ALLREDUCE_ALGO;
import static dev.cohort.comm.EnvKeys.COHORT_BIND_ADDR;
import static dev.cohort.comm.EnvKeys.COHORT_CHECK_COLLECTIVES;
import static dev.cohort.comm.EnvKeys.COHORT_HIERARCHICAL;
import static dev.cohort.comm.EnvKeys.COHORT_MAX_FRAME_BYTES;
import static dev.cohort.comm.EnvKeys.COHORT_PORT_RANGE;
import static dev.cohort.comm.EnvKeys.COHORT_SHM_DIR;
import static dev.cohort.comm.EnvKeys.COHORT_SHM_RING_BYTES;
import static dev.cohort.comm.EnvKeys.COHORT_SMALL_MESSAGE_BYTES;
import static dev.cohort.comm.EnvKeys.COHORT_SOCKET_BUFFER_BYTES;
import static dev.cohort.comm.EnvKeys.COHORT_TIMEOUT_MS;
import static dev.cohort.comm.EnvKeys.COHORT_TRANSPORT;

import dev.cohort.comm.CommConfig.TransportKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The one place that reads {@link CommConfig} from the environment: each {@code COHORT_*} key of
 * {@link EnvKeys} once, falling back to the {@code CommConfig.DEFAULT_*} constants, and the secret
 * through {@link Secrets}.
 */
final class CommEnvironment {
  private CommEnvironment() {}

  static CommConfig read(Env env) {
    int[] ports = portRange(env.get(COHORT_PORT_RANGE));
    return new CommConfig(
        Duration.ofMillis(env.getLong(COHORT_TIMEOUT_MS, CommConfig.DEFAULT_TIMEOUT_MS)),
        env.getString(COHORT_BIND_ADDR, CommConfig.DEFAULT_BIND_ADDRESS),
        env.get(COHORT_ADVERTISE_ADDR).orElse(null),
        ports[0],
        ports[1],
        env.getEnum(COHORT_TRANSPORT, TransportKind.class, CommConfig.DEFAULT_TRANSPORT),
        env.getChoice(
            COHORT_ALLREDUCE_ALGO,
            List.of(AllReduceAlgorithm.values()),
            AllReduceAlgorithm::configName,
            CommConfig.DEFAULT_ALLREDUCE_ALGORITHM),
        env.getLong(COHORT_SMALL_MESSAGE_BYTES, CommConfig.DEFAULT_SMALL_MESSAGE_BYTES),
        env.getInt(COHORT_SHM_RING_BYTES, CommConfig.DEFAULT_SHM_RING_BYTES),
        Path.of(env.getString(COHORT_SHM_DIR, CommConfig.DEFAULT_SHM_DIRECTORY)),
        env.getInt(COHORT_SOCKET_BUFFER_BYTES, CommConfig.DEFAULT_SOCKET_BUFFER_BYTES),
        env.getBoolean(COHORT_CHECK_COLLECTIVES, CommConfig.DEFAULT_CHECK_COLLECTIVES),
        env.getInt(COHORT_MAX_FRAME_BYTES, CommConfig.DEFAULT_MAX_FRAME_BYTES),
        Encryption.fromEnvironment(env),
        env.getBoolean(COHORT_HIERARCHICAL, CommConfig.DEFAULT_HIERARCHICAL),
        Secrets.fromEnvironment(env));
  }

  /** {@code PORT} or {@code MIN-MAX}; unset means an ephemeral port (0-0). */
  private static int[] portRange(Optional<String> value) {
    if (value.isEmpty()) {
      return new int[] {0, 0};
    }
    String[] p = value.get().split("-", 2);
    int min = port(p[0]);
    return new int[] {min, p.length == 2 ? port(p[1]) : min};
  }

  private static int port(String part) {
    try {
      return Integer.parseInt(part.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          COHORT_PORT_RANGE + " must be PORT or MIN-MAX, got '" + part + "'");
    }
  }
}
