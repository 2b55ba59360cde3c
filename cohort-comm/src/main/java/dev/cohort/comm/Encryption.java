package dev.cohort.comm;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Whether TCP traffic (tensors and store frames) is encrypted and authenticated after the
 * handshake: AES-256-GCM records under keys that are fresh for every connection. Shared memory is
 * never encrypted: it does not leave the host, and its files are private to the user.
 *
 * <p>The two ends of a connection encrypt if either asks to, and the choice is inside the
 * handshake's MACs, so no one on the path can turn it off.
 */
public enum Encryption {
  /** Encrypt whenever this end talks over an address that is not loopback (the default). */
  AUTO,
  /** Always encrypt, loopback included (to measure its cost, or out of caution). */
  ON,
  /** Do not ask for encryption; a peer that asks still gets it. */
  OFF;

  /**
   * Whether this end asks for encryption on a connection over {@code address}, the address it binds
   * or dials. A name that does not resolve counts as not loopback.
   */
  public boolean wantedFor(String address) {
    return switch (this) {
      case ON -> true;
      case OFF -> false;
      case AUTO -> !isLoopback(address);
    };
  }

  /** The value of {@link EnvKeys#COHORT_ENCRYPTION}: "auto", "on" or "off". */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The choice in {@link EnvKeys#COHORT_ENCRYPTION}, {@link #AUTO} when unset.
   *
   * @throws IllegalArgumentException naming the key and the allowed values for anything else
   */
  public static Encryption fromEnvironment(Env env) {
    return env.getChoice(
        EnvKeys.COHORT_ENCRYPTION, List.of(values()), Encryption::configName, AUTO);
  }

  static boolean isLoopback(String address) {
    if (address == null || address.isBlank()) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
