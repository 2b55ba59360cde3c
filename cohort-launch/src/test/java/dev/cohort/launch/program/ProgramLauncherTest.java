package dev.cohort.launch.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.launch.elastic.WorkerRange;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.launch.spawn.RankProcesses;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort run}'s launcher with small programs: shell scripts and a tiny Java main. */
@Timeout(120)
class ProgramLauncherTest {
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();
  private final StringWriter err = new StringWriter();

  private int run(Path dir, String nproc, int maxRestarts, int hangSeconds, List<String> command)
      throws Exception {
    ProgramRun run =
        new ProgramRun(
            command, WorkerRange.parse(nproc), maxRestarts, Duration.ofSeconds(hangSeconds), dir);
    return new ProgramLauncher(
            new PrintStream(console, true, StandardCharsets.UTF_8), new PrintWriter(err, true))
        .run(run);
  }

  private static List<String> sh(String script) {
    return List.of("/bin/sh", "-c", script);
  }

  private String console() {
    return console.toString(StandardCharsets.UTF_8);
  }

  private static boolean running(Path pidFile) throws IOException {
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    return ProcessHandle.of(pid).map(RankProcesses::isRunning).orElse(false);
  }

  @Test
  void everyRankShouldSeeItsWorldWithItsOutputPrefixedAndLogged(@TempDir Path dir)
      throws Exception {
    int code =
        run(
            dir,
            "2",
            0,
            0,
            sh(
                "echo rank=$RANK size=$WORLD_SIZE local=$LOCAL_RANK"
                    + " master=$MASTER_ADDR:$MASTER_PORT secret=${#COHORT_SECRET}"
                    + " dir=$COHORT_RUN_DIR restart=$COHORT_RESTART_COUNT"
                    + " launcher=$COHORT_LAUNCHER_PID; echo second line"));

    assertThat(code).isZero();
    for (int r = 0; r < 2; r++) {
      String log = Files.readString(dir.resolve("rank-" + r + ".log"));
      assertThat(log)
          .matches(
              "rank="
                  + r
                  + " size=2 local="
                  + r
                  + " master=127\\.0\\.0\\.1:[1-9][0-9]* secret=64 dir="
                  + dir.toAbsolutePath()
                  + " restart=0 launcher="
                  + ProcessHandle.current().pid()
                  + "\nsecond line\n");
      assertThat(console())
          .contains("[rank " + r + "] rank=" + r + " size=2")
          .contains("[rank " + r + "] second line\n");
    }
    assertThat(err.toString()).contains("cohort run: every rank exited 0; logs in " + dir);
  }

  @Test
  void aJavaProgramShouldFormItsWorldWithCohortInitAndAllReduce(@TempDir Path dir)
      throws Exception {
    int code =
        run(dir, "2", 0, 0, JavaCommand.of(AllReduceProgram.class.getName(), List.of()).toList());

    assertThat(code).as(err.toString()).isZero();
    assertThat(Files.readString(dir.resolve("rank-0.log"))).contains("rank 0 of 2: sum 3.0");
    assertThat(Files.readString(dir.resolve("rank-1.log"))).contains("rank 1 of 2: sum 3.0");
  }

  @Test
  void aFailingRankShouldEndTheRunWithItsStatusAndLeaveNoProcessBehind(@TempDir Path dir)
      throws Exception {
    // Rank 0 waits on a child; rank 1 leaves a child behind (living long enough for the launcher's
    // once-a-second look), prints 20 lines and exits 3.
    String script =
        "d=$COHORT_RUN_DIR; sleep 60 & echo $! > $d/child-$RANK; echo $$ > $d/pid-$RANK;"
            + " if [ $RANK = 0 ]; then wait; exit 0; fi;"
            + " while [ ! -s $d/child-0 ]; do sleep 0.05; done; sleep 1.5;"
            + " i=1; while [ $i -le 20 ]; do echo rank 1 line $i; i=$((i+1)); done; exit 3";
    long t0 = System.nanoTime();

    int code = run(dir, "2", 0, 0, sh(script));

    assertThat(code).isEqualTo(3);
    assertThat(err.toString())
        .contains("cohort run: worker rank 1 failed with exit status 3")
        .contains("  | rank 1 line 6\n")
        .contains("  | rank 1 line 20\n")
        .doesNotContain("| rank 1 line 5\n")
        .contains("cohort run: failed; logs in");
    assertThat((System.nanoTime() - t0) / 1e9).as("no waiting for rank 0's sleep").isLessThan(30);
    for (String f : List.of("pid-0", "child-0", "pid-1", "child-1")) {
      assertThat(running(dir.resolve(f))).as(f + " still runs").isFalse();
    }
  }

  @Test
  void aRestartShouldGiveTheProgramASecondAttempt(@TempDir Path dir) throws Exception {
    // A program that fails on its first attempt and resumes from its "checkpoint" on the second.
    String script =
        "echo attempt $COHORT_RESTART_COUNT generation $COHORT_GENERATION;"
            + " if [ $COHORT_RESTART_COUNT = 0 ]; then"
            + "   echo step 5 > $COHORT_RUN_DIR/ckpt-$RANK; [ $RANK = 1 ] && exit 5; exit 0;"
            + " fi; echo resuming from $(cat $COHORT_RUN_DIR/ckpt-$RANK)";

    int code = run(dir, "2", 1, 0, sh(script));

    assertThat(code).isZero();
    assertThat(err.toString())
        .contains("cohort run: worker rank 1 failed with exit status 5")
        .contains("cohort run: restarting with 2 workers (restart 1 of 1)\n")
        .contains("cohort run: every rank exited 0 after 1 restart");
    assertThat(Files.readString(dir.resolve("rank-1.log")))
        .contains("attempt 0 generation 0")
        .contains("attempt 1 generation 1\nresuming from step 5");
  }

  @Test
  void aWorldThatWritesNothingForTheHangTimeoutShouldBeStopped(@TempDir Path dir) throws Exception {
    long t0 = System.nanoTime();

    int code = run(dir, "2", 0, 1, sh("echo started; exec sleep 60"));

    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("hung: no rank wrote any output for 1 s")
        .contains("| started");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(20);
  }

  @Test
  void badInputShouldBeRefusedWithOneLineBeforeAnythingStarts(@TempDir Path dir) {
    assertThatThrownBy(() -> run(dir, "2", 0, 0, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no program to run: give it after --");
    assertThatThrownBy(() -> run(dir, "2", 0, 0, List.of("no-such-program-anywhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "program not found: no-such-program-anywhere is not on the PATH; give its path,"
                + " e.g. ./no-such-program-anywhere");
    assertThatThrownBy(() -> run(dir, "2", 0, 0, List.of(dir.resolve("nothing").toString())))
        .hasMessage("program not found: " + dir.resolve("nothing"));
    assertThatThrownBy(() -> run(dir, "2", -1, 0, List.of("true")))
        .hasMessage("--max-restarts must be >= 0, got -1");
    assertThat(dir).isEmptyDirectory();
  }
}
