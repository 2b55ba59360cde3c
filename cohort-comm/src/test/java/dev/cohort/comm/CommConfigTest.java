package dev.cohort.comm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig.TransportKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommConfigTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  @Test
  void fromEnvironmentShouldReadEveryKey() {
    Map<String, String> env =
        Map.ofEntries(
            Map.entry(EnvKeys.COHORT_SECRET, SECRET),
            Map.entry(EnvKeys.COHORT_TIMEOUT_MS, "5000"),
            Map.entry(EnvKeys.COHORT_BIND_ADDR, "10.0.0.2"),
            Map.entry(EnvKeys.COHORT_ADVERTISE_ADDR, "node2"),
            Map.entry(EnvKeys.COHORT_PORT_RANGE, "30000-30010"),
            Map.entry(EnvKeys.COHORT_TRANSPORT, "tcp"),
            Map.entry(EnvKeys.COHORT_ALLREDUCE_ALGO, "halving-doubling"),
            Map.entry(EnvKeys.COHORT_SMALL_MESSAGE_BYTES, "1024"),
            Map.entry(EnvKeys.COHORT_SHM_RING_BYTES, "65536"),
            Map.entry(EnvKeys.COHORT_SHM_DIR, "/tmp/shm"),
            Map.entry(EnvKeys.COHORT_SOCKET_BUFFER_BYTES, "1048576"),
            Map.entry(EnvKeys.COHORT_CHECK_COLLECTIVES, "true"),
            Map.entry(EnvKeys.COHORT_MAX_FRAME_BYTES, "2048"));
    CommConfig c = CommConfig.fromEnvironment(env, Map.of(EnvKeys.COHORT_TIMEOUT_MS, "7000"));
    assertThat(c.timeout()).isEqualTo(Duration.ofMillis(7000));
    assertThat(c.bindAddress()).isEqualTo("10.0.0.2");
    assertThat(c.advertiseAddress()).isEqualTo("node2");
    assertThat(c.portMin()).isEqualTo(30000);
    assertThat(c.portMax()).isEqualTo(30010);
    assertThat(c.transport()).isEqualTo(TransportKind.TCP);
    assertThat(c.allReduceAlgorithm()).isEqualTo(AllReduceAlgorithm.HALVING_DOUBLING);
    assertThat(c.smallMessageBytes()).isEqualTo(1024);
    assertThat(c.shmRingBytes()).isEqualTo(65536);
    assertThat(c.shmDirectory()).isEqualTo(Path.of("/tmp/shm"));
    assertThat(c.socketBufferBytes()).isEqualTo(1 << 20);
    assertThat(c.checkCollectives()).isTrue();
    assertThat(c.maxFrameBytes()).isEqualTo(2048);
    assertThat(c.secret()).isEqualTo(SECRET.getBytes(UTF_8));
  }

  @Test
  void unsetKeysShouldTakeTheNamedDefaults() {
    CommConfig c = CommConfig.fromEnvironment(Map.of(EnvKeys.COHORT_SECRET, SECRET), Map.of());
    assertThat(c.timeout().toMillis()).isEqualTo(CommConfig.DEFAULT_TIMEOUT_MS);
    assertThat(c.bindAddress()).isEqualTo(CommConfig.DEFAULT_BIND_ADDRESS);
    assertThat(c.advertiseAddress()).isEqualTo(CommConfig.DEFAULT_BIND_ADDRESS);
    assertThat(c.portMin()).isZero();
    assertThat(c.portMax()).isZero();
    assertThat(c.allReduceAlgorithm()).isEqualTo(AllReduceAlgorithm.AUTO);
    assertThat(c.smallMessageBytes()).isEqualTo(CommConfig.DEFAULT_SMALL_MESSAGE_BYTES);
    assertThat(c.shmRingBytes()).isEqualTo(CommConfig.DEFAULT_SHM_RING_BYTES);
    assertThat(c.describe())
        .containsEntry("all-reduce algorithm", "auto, hierarchical across hosts")
        .containsEntry("secret", "set (32 B)");
  }

  @Test
  void anUnknownAlgorithmShouldFailNamingTheKeyAndTheChoices() {
    assertThatThrownBy(
            () ->
                CommConfig.fromEnvironment(
                    Map.of(EnvKeys.COHORT_SECRET, SECRET, EnvKeys.COHORT_ALLREDUCE_ALGO, "tree"),
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("COHORT_ALLREDUCE_ALGO")
        .hasMessageContaining("halving-doubling")
        .hasMessageContaining("'tree'");
  }

  @Test
  void aBadPortRangeShouldSayWhatItMustBe() {
    assertThatThrownBy(
            () ->
                CommConfig.fromEnvironment(
                    Map.of(EnvKeys.COHORT_SECRET, SECRET, EnvKeys.COHORT_PORT_RANGE, "low-high"),
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("COHORT_PORT_RANGE must be PORT or MIN-MAX, got 'low'");
  }

  @Test
  void theSecretShouldComeFromItsFileWhenNotGivenAsText(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, "from-file-0123456789\n");
    Env fileOnly = Env.of(Map.of(EnvKeys.COHORT_SECRET_FILE, file.toString()));
    assertThat(Secrets.fromEnvironment(fileOnly)).isEqualTo("from-file-0123456789".getBytes(UTF_8));
    Env both =
        Env.of(
            Map.of(
                EnvKeys.COHORT_SECRET_FILE,
                file.toString(),
                EnvKeys.COHORT_SECRET,
                " text 0123456789 "));
    assertThat(Secrets.fromEnvironment(both))
        .as("text wins, every byte kept")
        .isEqualTo(" text 0123456789 ".getBytes(UTF_8));
  }

  @Test
  void encryptionShouldDefaultToAutoAndRefuseUnknownValuesNamingTheKey() {
    CommConfig c = CommConfig.fromEnvironment(Map.of(EnvKeys.COHORT_SECRET, SECRET), Map.of());
    assertThat(c.encryption()).isEqualTo(Encryption.AUTO);
    assertThat(c.encryptsData()).as("loopback").isFalse();
    assertThat(c.toBuilder().bindAddress("0.0.0.0").build().encryptsData()).isTrue();
    assertThat(c.describe().get("encryption (tcp)")).isEqualTo("auto (off: loopback)");
    assertThatThrownBy(
            () ->
                CommConfig.fromEnvironment(
                    Map.of(EnvKeys.COHORT_SECRET, SECRET, EnvKeys.COHORT_ENCRYPTION, "maybe"),
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("COHORT_ENCRYPTION");
    assertThat(Encryption.OFF.wantedFor("10.0.0.1")).isFalse();
    assertThat(Encryption.ON.wantedFor("127.0.0.1")).isTrue();
  }
}
