package dev.cohort.comm.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cohort.comm.CommException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared-memory files are private to their user: 0600 in a 0700 folder whatever the umask, never
 * following a planted name, and a peer's path is mapped only if it is such a file.
 */
class ShmDirectoryTest {
  @TempDir Path base;

  @Test
  void ringSegmentShouldBe0600InA0700FolderThatGoesWithIt() throws Exception {
    ShmSegment seg = ShmSegment.create(base, 0, 1, 4096);
    Path folder = seg.path.getParent();
    assertThat(folder.getParent()).isEqualTo(base);
    assertThat(mode(folder)).isEqualTo("rwx------");
    assertThat(mode(seg.path)).isEqualTo("rw-------");
    assertThat(uid(seg.path)).isEqualTo(ShmDirectory.currentUid());
    ShmSegment.unlink(seg.path);
    assertThat(list(base)).isEmpty();
  }

  @Test
  void sharedArenaFileShouldBe0600InA0700Folder() throws Exception {
    SharedArena.Mapping m = SharedArena.create(base, 3, 64);
    assertThat(mode(m.path().getParent())).isEqualTo("rwx------");
    assertThat(mode(m.path())).isEqualTo("rw-------");
    assertThat(SharedArena.open(base, m.path(), 64, "rank 1").capacity()).isEqualTo(64);
    SharedArena.unlink(m.path());
    assertThat(list(base)).isEmpty();
  }

  @Test
  void newFileShouldRefuseAPlantedSymlinkInsteadOfFollowingIt() throws Exception {
    ShmDirectory dir = ShmDirectory.of(base);
    Path first = dir.newFile("cohort-first");
    Path target = Files.writeString(base.resolve("target"), "untouched");
    Files.createSymbolicLink(first.resolveSibling("cohort-planted"), target);
    assertThatThrownBy(() -> dir.newFile("cohort-planted"))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(target)).isEqualTo("untouched");
    dir.remove(first);
  }

  @Test
  void peerPathOutsideAPrivateFolderShouldBeRefused() throws Exception {
    Path loose = Files.createFile(base.resolve("cohort-1-0011223344556677-buf-0"));
    assertThatThrownBy(() -> SharedArena.open(base, loose, 0, "rank 2"))
        .isInstanceOf(CommException.class)
        .hasMessageContaining("offered by rank 2")
        .hasMessageContaining("not inside a private Cohort folder");
    Path elsewhere =
        ShmDirectory.of(Files.createDirectory(base.resolve("other"))).newFile("cohort-x");
    assertThatThrownBy(() -> SharedArena.open(base, elsewhere, 0, "rank 2"))
        .hasMessageContaining("not inside a private Cohort folder");
    assertThatThrownBy(() -> SharedArena.open(base, Path.of("/etc/passwd"), 0, "rank 2"))
        .hasMessageContaining("not inside a private Cohort folder");
    ShmDirectory.unlink(elsewhere);
  }

  @Test
  void peerPathThatIsASymlinkShouldBeRefused() throws Exception {
    SharedArena.Mapping real = SharedArena.create(base, 0, 8);
    Path link = real.path().resolveSibling("cohort-link");
    Files.createSymbolicLink(link, real.path());
    assertThatThrownBy(() -> SharedArena.open(base, link, 8, "rank 1"))
        .isInstanceOf(CommException.class)
        .hasMessageContaining("is a symbolic link");
    Files.delete(link);
    SharedArena.unlink(real.path());
  }

  @Test
  void peerFileOfAnotherUserShouldBeRefused() throws Exception {
    assumeTrue(ShmDirectory.currentUid() == 0, "only root can give a file to another user");
    SharedArena.Mapping m = SharedArena.create(base, 0, 8);
    Files.setAttribute(m.path(), "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
    assertThatThrownBy(() -> SharedArena.open(base, m.path(), 8, "rank 1"))
        .isInstanceOf(CommException.class)
        .hasMessageContaining("belongs to uid 65534");
    SharedArena.unlink(m.path());
  }

  @Test
  void peerFileInAFolderOthersCanEnterShouldBeRefused() throws Exception {
    SharedArena.Mapping m = SharedArena.create(base, 0, 8);
    Files.setPosixFilePermissions(
        m.path().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThatThrownBy(() -> SharedArena.open(base, m.path(), 8, "rank 1"))
        .hasMessageContaining("has mode rwxr-xr-x, not rwx------");
    SharedArena.unlink(m.path());
  }

  @Test
  void openShouldNeverCreateAFile() throws Exception {
    SharedArena.Mapping m = SharedArena.create(base, 0, 8);
    Path missing = m.path().resolveSibling("cohort-missing");
    assertThatThrownBy(() -> SharedArena.open(base, missing, 8, "rank 1"))
        .isInstanceOf(CommException.class);
    assertThat(Files.exists(missing, LinkOption.NOFOLLOW_LINKS)).isFalse();
    SharedArena.unlink(m.path());
  }

  @Test
  void sweepShouldRemoveTheFolderOfADeadProcess() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    Path folder = Files.createDirectory(base.resolve("cohort-" + p.pid() + "-0011223344556677"));
    Files.createFile(folder.resolve("cohort-" + p.pid() + "-0011223344556677-0-1"));
    assertThat(ShmSegment.sweepStale(base)).isEqualTo(1);
    assertThat(list(base)).isEmpty();
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static int uid(Path p) throws Exception {
    return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  private static java.util.List<Path> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
