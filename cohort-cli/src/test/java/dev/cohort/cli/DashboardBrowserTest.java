package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.spawn.JavaCommand;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard of a live 2-worker {@code cohort train}, in headless Chromium: its charts draw the
 * run's steps, its numbers move while the run trains, and a run whose loss turns NaN raises the
 * alert. Its /metrics is checked by promtool, Prometheus' own parser. With {@code
 * -Dcohort.docs=true} the screenshot replaces docs/dashboard.png.
 */
class DashboardBrowserTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;

  @Test
  void theChartsOfALiveRunDrawItsStepsAndFollowIt() throws Exception {
    Chromium.assumeInstalled();
    Path run = tmp.resolve("live");
    Process launcher = LauncherJvm.train(run, "--epochs", "60", "--checkpoint-every", "40");
    try {
      URI page = awaitDashboard(launcher, run);
      awaitLines(launcher, run.resolve("ranks/rank-1.csv"), 30);

      String first = Chromium.dumpDom(page, tmp.resolve("profile-1"), 3000);
      assertThat(text(first, "status")).isEqualTo("live");
      int points = points(first, "chart-loss");
      assertThat(points).as("loss points drawn").isGreaterThan(20);
      for (String chart : List.of("chart-throughput", "chart-step", "chart-wait", "chart-memory")) {
        assertThat(points(first, chart)).as(chart).isGreaterThan(20);
      }
      assertThat(count(first, "<canvas")).as("uPlot canvases").isGreaterThanOrEqualTo(6);
      assertThat(first).contains("data-rank=\"0\"").contains("data-rank=\"1\"");
      long step = Long.parseLong(text(first, "last-step"));
      assertThat(first).doesNotContain("data-kind=\"nan\"");

      Thread.sleep(2000);
      String second = Chromium.dumpDom(page, tmp.resolve("profile-2"), 3000);
      assertThat(Long.parseLong(text(second, "last-step"))).as("steps go on").isGreaterThan(step);
      assertThat(points(second, "chart-loss")).isGreaterThan(points);
      assertThat(second).containsPattern("checkpoint of step \\d+: [0-9.]+ MiB");

      Path png = Path.of("target", "dashboard-live.png");
      Files.createDirectories(png.getParent());
      Chromium.screenshot(page, tmp.resolve("profile-3"), 3000, png, 1280, 1500);
      if (Boolean.getBoolean("cohort.docs")) {
        Files.copy(
            png, Path.of("..", "docs", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
      }

      String metrics = get(URI.create(page.toString().replace("/?token=", "/metrics?token=")));
      assertThat(metrics).containsPattern("cohort_step_seconds_count\\{rank=\"1\"} [1-9]");
      promtoolAccepts(metrics);
    } finally {
      stop(launcher);
    }
  }

  @Test
  void aLossThatTurnsNanRaisesTheAlertLiveAndAfterwards() throws Exception {
    Chromium.assumeInstalled();
    Path run = tmp.resolve("diverged");
    // A learning rate far too large: the loss is NaN from the second step on.
    Process launcher =
        LauncherJvm.train(run, "--epochs", "60", "--optimizer", "sgd", "--lr", "1e12");
    try {
      URI page = awaitDashboard(launcher, run);
      awaitLines(launcher, run.resolve("ranks/rank-0.csv"), 5);
      String dom = Chromium.dumpDom(page, tmp.resolve("profile"), 3000);
      Matcher alert =
          Pattern.compile("<div class=\"alert\" data-kind=\"nan\">([^<]*)</div>").matcher(dom);
      assertThat(alert.find()).as(dom).isTrue();
      assertThat(alert.group(1)).containsPattern("loss is NaN at step \\d+ on rank \\d");
    } finally {
      stop(launcher);
    }

    // cohort dashboard serves the stopped run from its folder; the alert is still there.
    Process served =
        new ProcessBuilder(JavaCommand.cohort(List.of("dashboard", run.toString())).toList())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("dashboard.out").toFile())
            .start();
    try {
      URI page = awaitDashboard(served, run);
      String view = get(URI.create(page.toString().replace("/?token=", "/api/run?token=")));
      assertThat(view).contains("\"live\":false").contains("\"kind\":\"NAN\"");
    } finally {
      served.destroy();
      assertThat(served.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** Waits for the launcher to write the dashboard's URL into the run folder, anew. */
  private static URI awaitDashboard(Process p, Path run) throws Exception {
    Path file = run.resolve("dashboard.url");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String before = Files.exists(file) ? Files.readString(file) : "";
    while (true) {
      if (Files.exists(file)) {
        String url = Files.readString(file).strip();
        if (!url.isEmpty() && !url.equals(before.strip())) {
          return URI.create(url);
        }
      }
      assertThat(p.isAlive()).as("the launcher runs").isTrue();
      assertThat(System.nanoTime()).as("dashboard.url written").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static void awaitLines(Process p, Path file, int lines) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!(Files.exists(file) && Files.readAllLines(file).size() > lines)) {
      assertThat(p.isAlive()).as("the launcher runs").isTrue();
      assertThat(System.nanoTime()).as(file + " grows").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static void stop(Process launcher) throws InterruptedException {
    launcher.destroy(); // SIGTERM: every worker stops after the same step
    if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
      launcher.destroyForcibly();
    }
  }

  private static String get(URI uri) throws Exception {
    HttpResponse<String> r =
        HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  private static void promtoolAccepts(String metrics) throws Exception {
    Process p =
        new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static String text(String dom, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(dom);
    assertThat(m.find()).as("#" + id + " in the page").isTrue();
    return m.group(1);
  }

  private static int points(String dom, String chart) {
    Matcher m = Pattern.compile("id=\"" + chart + "\"[^>]*data-points=\"(\\d+)\"").matcher(dom);
    assertThat(m.find()).as(chart + " drawn").isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
