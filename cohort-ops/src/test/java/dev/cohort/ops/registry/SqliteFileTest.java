package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a SQLite file registry has: file permissions and a file that is not a database. */
class SqliteFileTest {

  @TempDir Path dir;

  @Test
  void registryFileShouldBeCreatedReadableByItsOwnerOnly() throws Exception {
    Path file = dir.resolve("nested/folder/models.db");
    String url = Registry.sqliteUrl(file);
    assertThat(url).isEqualTo("jdbc:sqlite:" + file.toAbsolutePath());
    assertThat(Files.size(file)).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (Registry registry = Registry.open(url)) {
      registry.register(Fixtures.version(0.8, 0.7), "alice");
      Path wal = dir.resolve("nested/folder/models.db-wal");
      assertThat(wal).exists();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wal)))
          .isEqualTo("rw-------");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void existingFileShouldKeepItsContentAndPermissions() throws Exception {
    Path file = dir.resolve("models.db");
    try (Registry registry = Registry.open(Registry.sqliteUrl(file))) {
      registry.register(Fixtures.version(0.8, 0.7), "alice");
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    try (Registry registry = Registry.open(Registry.sqliteUrl(file))) {
      assertThat(registry.list("demo")).hasSize(1);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-r-----");
  }

  @Test
  void fileThatIsNotADatabaseShouldFailClearlyAndStayUntouched() throws Exception {
    Path file = dir.resolve("models.db");
    byte[] garbage = new byte[8192];
    new Random(17).nextBytes(garbage);
    Files.write(file, garbage);
    assertThatThrownBy(() -> Registry.open(Registry.sqliteUrl(file)))
        .isInstanceOf(RegistryException.class)
        .hasMessage(
            "registry "
                + file.toAbsolutePath()
                + " is not a database (SQLite: file is not a database): nothing was changed;"
                + " restore it from a backup or point --registry at another file");
    assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    try (var siblings = Files.list(dir)) {
      assertThat(siblings).containsExactly(file);
    }
  }

  @Test
  void fileInAFolderThatCannotExistShouldFailClearly() {
    assertThatThrownBy(() -> Registry.open("jdbc:sqlite:/proc/no-such-dir/models.db"))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("registry /proc/no-such-dir/models.db cannot be opened")
        .hasMessageContaining("check that its folder exists");
  }

  @Test
  void inMemoryDatabaseShouldBeRefusedWithAHint() {
    assertThatThrownBy(() -> Registry.open("jdbc:sqlite::memory:"))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("in-memory SQLite database")
        .hasMessageContaining("point the registry at a file");
  }
}
