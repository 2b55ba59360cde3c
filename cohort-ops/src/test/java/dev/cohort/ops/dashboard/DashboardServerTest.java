package dev.cohort.ops.dashboard;

import static dev.cohort.ops.watch.RunFolderFixture.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.ops.prometheus.PrometheusText;
import dev.cohort.ops.watch.RunFolderFixture;
import dev.cohort.ops.watch.RunWatch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardServerTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;
  private DashboardServer server;
  private double rank0StepSeconds;

  @BeforeEach
  void serveARunOfTwoRanks() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int s = 0; s < 30; s++) {
      for (int r = 0; r < 2; r++) {
        double ms = 40 + s % 5 + r;
        run.append(
            r, T0 + 50L * s, step(s, 2.0 - s * 0.02, ms, 2), (700L + r) << 20, 1000L * (s + 1));
        if (r == 0) {
          rank0StepSeconds += ms / 1e3;
        }
      }
    }
    Path ckpt = dir.resolve("checkpoints/ckpt-000000020");
    Files.createDirectories(ckpt);
    Files.writeString(
        ckpt.resolve("manifest.json"),
        "{\"step\": 20, \"created\": \""
            + Instant.ofEpochMilli(T0 + 50L * 19 + 250)
            + "\", \"state_bytes\": 1000, \"shards\": [{\"bytes\": 24}]}");
    server =
        DashboardServer.start(
            new RunWatch(dir), new DashboardServer.Settings("127.0.0.1", 0, () -> false, 0));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String token() {
    return server.url().getQuery().substring("token=".length());
  }

  @Test
  void everyPathWantsTheToken() throws Exception {
    assertThat(server.url().toString())
        .startsWith("http://127.0.0.1:" + server.port() + "/?token=");
    assertThat(token()).hasSize(32);
    for (String path : new String[] {"/", "/api/run", "/metrics", "/dashboard.js"}) {
      HttpResponse<String> r = get(path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.body()).contains("this needs its token");
      assertThat(get(path + "?token=" + "0".repeat(32), null).statusCode()).isEqualTo(401);
    }
    assertThat(get("/metrics", "Bearer " + token()).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", "Bearer nope").statusCode()).isEqualTo(401);
  }

  @Test
  void thePageAndItsChartsLibraryAreServed() throws Exception {
    HttpResponse<String> page = get("/?token=" + token(), null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(page.body())
        .contains("uPlot.iife.min.js?token=" + token())
        .doesNotContain("{{token}}");
    HttpResponse<String> lib = get("/uPlot.iife.min.js?token=" + token(), null);
    assertThat(lib.statusCode()).isEqualTo(200);
    assertThat(lib.body()).contains("uPlot");
    assertThat(get("/dashboard.js?token=" + token(), null).body()).contains("api/run");
    assertThat(get("/nothing?token=" + token(), null).statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/run?token=" + token()))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void theRunViewHasEveryRanksStepsTheBreakdownAndTheCheckpoint() throws Exception {
    JsonNode v = new ObjectMapper().readTree(get("/api/run?token=" + token(), null).body());
    assertThat(v.at("/run/last_step").asLong()).isEqualTo(29);
    assertThat(v.at("/run/live").asBoolean()).isFalse();
    assertThat(v.get("ranks")).hasSize(2);
    assertThat(v.at("/ranks/1/step")).hasSize(30);
    assertThat(v.at("/ranks/1/rss_mib/0").asDouble()).isEqualTo(701.0);
    assertThat(v.at("/breakdown/0/wait_ms").asDouble()).isEqualTo(2.0, within(1e-9));
    assertThat(v.at("/breakdown/1/step_ms").asDouble()).isEqualTo(43.0, within(1e-9));
    assertThat(v.at("/checkpoints/0/step").asLong()).isEqualTo(20);
    assertThat(v.at("/checkpoints/0/bytes").asLong()).isEqualTo(1024);
    assertThat(v.at("/checkpoints/0/seconds").asDouble()).isEqualTo(0.25, within(1e-9));
    assertThat(v.get("alerts")).isEmpty();
    assertThat(v.get("experts").isNull()).isTrue();
  }

  @Test
  void aPipelineOfExpertsHasItsStageAndExpertViews() throws Exception {
    dev.cohort.train.metrics.EffectiveConfig.of(
            dev.cohort.train.TrainConfig.builder().model("gpt-tiny").pipeline(2).build(), 2, "text")
        .withLayout(100, java.util.List.of())
        .write(dir.resolve("config.json"));
    Files.writeString(
        dir.resolve("metrics.csv"),
        "step,epoch,loss,samples,data_ms,forward_backward_ms,communication_ms,wait_ms,"
            + "optimizer_ms,other_ms,step_ms,aux_loss,dropped,busiest_over_mean,expert_0,expert_1\n"
            + "0,0,2.0,64,0,1,1,0,1,0,3,0.02,5,1.5,300,100\n");
    Thread.sleep(DashboardServer.REFRESH_MS + 50);
    JsonNode v = new ObjectMapper().readTree(get("/api/run?token=" + token(), null).body());
    assertThat(v.at("/run/stages").asInt()).isEqualTo(2);
    assertThat(v.at("/run/strategy").asText()).isEqualTo("pipeline of 2 stages (1f1b)");
    assertThat(v.at("/breakdown/1/stage").asInt()).isEqualTo(1);
    assertThat(v.at("/ranks/1/stage").asInt()).isEqualTo(1);
    assertThat(v.at("/experts/last_tokens/0").asLong()).isEqualTo(300);
    assertThat(v.at("/experts/busiest_over_mean/0").asDouble()).isEqualTo(1.5);
    // Both stages process the same samples: each counts once.
    assertThat(v.at("/run/samples_per_second").asDouble())
        .isCloseTo(64 / 0.042, org.assertj.core.data.Offset.offset(1.0));
    PrometheusText m = PrometheusText.parse(get("/metrics?token=" + token(), null).body());
    assertThat(m.value("cohort_expert_tokens_total", Map.of("expert", "1"))).isEqualTo(100);
  }

  @Test
  void metricsAreValidPrometheusTextWithEveryStepCounted() throws Exception {
    HttpResponse<String> r = get("/metrics?token=" + token(), null);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    PrometheusText m = PrometheusText.parse(r.body());
    assertThat(m.type("cohort_step_seconds")).isEqualTo("histogram");
    assertThat(m.type("cohort_samples_total")).isEqualTo("counter");
    Map<String, String> rank0 = Map.of("rank", "0");
    assertThat(m.value("cohort_step_seconds_count", rank0)).isEqualTo(30);
    assertThat(m.value("cohort_step_seconds_sum", rank0)).isEqualTo(rank0StepSeconds, within(1e-9));
    assertThat(m.value("cohort_step_seconds_bucket", Map.of("rank", "0", "le", "0.05")))
        .isEqualTo(30);
    assertThat(m.value("cohort_step_seconds_bucket", Map.of("rank", "0", "le", "0.02")))
        .isEqualTo(0);
    assertThat(m.value("cohort_samples_total", Map.of("rank", "1"))).isEqualTo(30 * 64);
    assertThat(m.value("cohort_communication_bytes_total", rank0)).isEqualTo(30_000);
    assertThat(m.value("cohort_step_phase_seconds_total", Map.of("rank", "0", "phase", "wait")))
        .isEqualTo(0.06, within(1e-9));
    assertThat(m.value("cohort_resident_memory_bytes", Map.of("rank", "1"))).isEqualTo(701L << 20);
    assertThat(m.value("cohort_checkpoint_bytes", Map.of())).isEqualTo(1024);
    assertThat(m.value("cohort_checkpoint_seconds", Map.of())).isEqualTo(0.25, within(1e-9));
    assertThat(m.value("cohort_alerts", Map.of("kind", "nan"))).isEqualTo(0);

    // Counters count what was added since, not everything again.
    new RunFolderFixture(dir).append(0, T0 + 5000, step(30, 1.0, 45, 2), 700L << 20, 31_000);
    Thread.sleep(DashboardServer.REFRESH_MS + 50);
    PrometheusText again = PrometheusText.parse(get("/metrics?token=" + token(), null).body());
    assertThat(again.value("cohort_step_seconds_count", rank0)).isEqualTo(31);
    assertThat(again.value("cohort_communication_bytes_total", rank0)).isEqualTo(31_000);
  }

  @Test
  void promtoolFindsTheMetricsValid() throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(promtool) || System.getenv("CI") != null,
        "promtool (Debian's prometheus) is not installed here; CI installs it");
    String text = get("/metrics?token=" + token(), null).body();
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void aPortInUseIsNamed() throws Exception {
    assertThatThrownBy(
            () ->
                DashboardServer.start(
                    new RunWatch(dir),
                    new DashboardServer.Settings("127.0.0.1", server.port(), () -> false, 0)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot serve the dashboard on 127.0.0.1:" + server.port())
        .hasMessageContaining("--dashboard-port");
  }

  @Test
  void aMalformedLineInTheMetricsTextIsCaught() {
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE x counter\nx_total{a=\"b} 1\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> PrometheusText.parse("y 1\n")).hasMessageContaining("no TYPE");
  }
}
