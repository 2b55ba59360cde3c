package dev.cohort.cli;

import dev.cohort.comm.Cohort;
import dev.cohort.comm.ProcessGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A user's program for {@code cohort run} in {@link LauncherKillTest}: joins with {@code
 * Cohort.init()}, writes its process id to {@code pid-<rank>} in the run folder (whole, by a
 * rename), then sleeps for two minutes.
 */
public final class SleepingRank {
  private SleepingRank() {}

  public static void main(String[] args) throws Exception {
    try (ProcessGroup pg = Cohort.init()) {
      Path dir = Cohort.runDir().orElseThrow();
      Path tmp = dir.resolve("pid-" + pg.rank() + ".tmp");
      Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
      Files.move(tmp, dir.resolve("pid-" + pg.rank()), StandardCopyOption.ATOMIC_MOVE);
      Thread.sleep(120_000);
    }
  }
}
