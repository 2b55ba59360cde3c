package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.cli.LauncherTest.Result;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.World;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainWorker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort models} as a user types it, on two real runs: register, list, a promotion the gate
 * refuses (exit 3, naming the metric and both values), a forced one, diff, card, rollback, audit,
 * and one-line errors for bad input (exit 2) and a registry that is not a database (exit 1).
 */
class ModelsCommandTest {
  @TempDir Path dir;

  private Path train(String name, int samples) throws Exception {
    Path run = dir.resolve(name);
    TrainWorker.run(
        CommConfig.defaults(Secrets.generate()),
        new World("127.0.0.1", 0, 0, 1, 0, true, 0, "test"),
        TrainWorker.Job.of(
            TrainConfig.builder()
                .model("mlp")
                .trainLimit(samples)
                .testLimit(1000)
                .progress(false)
                .runDir(run)
                .build()),
        new PrintStream(new ByteArrayOutputStream(), true));
    return run;
  }

  private Result models(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "models";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--registry";
    all[args.length + 2] = dir.resolve("registry/models.db").toString();
    return LauncherTest.cohort(all);
  }

  @Test
  void aRegressionIsRefusedAndEveryStepIsAudited() throws Exception {
    Path good = train("good", 6400);
    Path poor = train("poor", 256);
    Result r1 = models("register", good.toString(), "--name", "fashion", "--test-limit", "1000");
    assertThat(r1.code()).as(r1.err()).isZero();
    assertThat(r1.out())
        .startsWith("scoring the model of " + good + " on 1000 test images and 3 shifted copies")
        .contains("registered fashion v1 from " + good + ": test 0.");
    assertThat(
            models("register", poor.toString(), "--name", "fashion", "--test-limit", "1000").code())
        .isZero();
    assertThat(Files.getPosixFilePermissions(dir.resolve("registry/models.db")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    assertThat(models("promote", "fashion", "1").out())
        .isEqualTo("fashion v1 is now the champion (first champion)\n");
    Result refused = models("promote", "fashion", "2");
    assertThat(refused.code()).isEqualTo(3);
    assertThat(refused.err())
        .startsWith("cohort models promote: refused to promote fashion v2 over champion v1: ")
        .containsPattern(
            "test accuracy fell from 0\\.\\d{4} to 0\\.\\d{4} \\(allowed drop 0\\.0100\\)")
        .contains("--force");
    assertThat(models("list", "fashion").out()).contains("* v1").contains("  v2");

    Result forced = models("promote", "fashion", "2", "--force", "--actor", "alice");
    assertThat(forced.code()).isZero();
    assertThat(forced.out()).contains("fashion v2 is now the champion (replacing v1); FORCED over");
    assertThat(models("diff", "fashion", "1", "2").out())
        .contains("fashion v1 -> fashion v2")
        .contains("train_limit")
        .contains("test accuracy");
    Result card = models("card", "fashion", "2", "--out", dir.resolve("cards").toString());
    assertThat(card.code()).as(card.err()).isZero();
    assertThat(Files.readString(dir.resolve("cards/fashion-v2.md")))
        .contains("# Model card: fashion v2")
        .contains("current champion")
        .contains("## Accuracy per class");
    assertThat(Files.readString(dir.resolve("cards/fashion-v2.html"))).contains("<table");

    assertThat(models("rollback", "fashion").out())
        .isEqualTo("fashion v1 is the champion again (was v2)\n");
    Result audit = models("audit");
    assertThat(audit.code()).isZero();
    assertThat(audit.out())
        .contains("REFUSE fashion v2")
        .contains("ROLLBACK fashion v1")
        .endsWith("audit log intact: 6 entries, hash chain verified\n");
  }

  @Test
  void badInputGivesOneLine() throws Exception {
    Result unknown = models("promote", "fashion", "7");
    assertThat(unknown.code()).isIn(1, 2);
    assertThat(unknown.err().strip()).startsWith("cohort models promote: ").doesNotContain("\n");
    Result notARun = models("register", dir.toString(), "--name", "fashion");
    assertThat(notARun.code()).isEqualTo(1);
    assertThat(notARun.err().strip())
        .startsWith("cohort models register: ")
        .contains("summary.json")
        .doesNotContain("\n");
    Result port = models("serve", "fashion", "--port", "70000");
    assertThat(port.code()).isEqualTo(2);
    assertThat(port.err()).contains("--port must be between 0 and 65535");

    Path garbage = dir.resolve("garbage.db");
    Files.writeString(garbage, "this is not a database, and never was one; ".repeat(100));
    Result corrupt = LauncherTest.cohort("models", "list", "--registry", garbage.toString());
    assertThat(corrupt.code()).isEqualTo(1);
    assertThat(corrupt.err().strip())
        .startsWith("cohort models list: registry " + garbage + " is not a database")
        .doesNotContain("\n");
  }
}
