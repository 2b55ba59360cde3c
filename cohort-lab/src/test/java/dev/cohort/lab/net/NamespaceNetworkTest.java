package dev.cohort.lab.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Needs root and iproute2 (as in CI); skipped elsewhere, where the loopback fallback is used. */
class NamespaceNetworkTest {

  @Test
  void buildsOneNamespacePerWorkerWithShapedLinksAndRemovesThem() throws Exception {
    assumeTrue(NamespaceNetwork.available(), "needs root with ip and tc");
    String ip = Shell.which("ip");
    String ns;
    try (EmulatedNetwork net =
        EmulatedNetwork.open(
            NetworkCondition.parse("lat=2ms,rate=50mbit"),
            2,
            true,
            1,
            w -> {
              throw new AssertionError(w);
            })) {
      assertThat(net.method()).contains("network namespaces", "tc tbf", "delay relay");
      ns = net.commandPrefix(1).get(3);
      assertThat(Shell.run(List.of(ip, "netns", "list"))).contains(ns);
      String qdisc =
          Shell.run(List.of(ip, "netns", "exec", ns, Shell.which("tc"), "qdisc", "show"));
      assertThat(qdisc).contains("tbf").contains("50Mbit");
      String bind = net.environment(1).get("COHORT_BIND_ADDR");
      assertThat(Shell.run(List.of(ip, "netns", "exec", ns, ip, "-o", "-4", "addr", "show")))
          .contains(bind + "/24");
      // Peers dial the relay on the bridge, not the worker itself: that is where latency is added.
      assertThat(net.environment(1).get("COHORT_ADVERTISE_ADDR")).isEqualTo(net.storeHost());
    }
    assertThat(Shell.run(List.of(ip, "netns", "list"))).doesNotContain(ns);
  }

  @Test
  void workersOfOneHostShouldShareItsNamespaceAndAddress() throws Exception {
    assumeTrue(NamespaceNetwork.available(), "needs root with ip and tc");
    try (EmulatedNetwork net =
        EmulatedNetwork.open(
                NetworkCondition.parse("lat=1ms,rate=100mbit"),
                4,
                2,
                true,
                1,
                w -> {
                  throw new AssertionError(w);
                })
            .withEnvironment(Map.of("COHORT_HIERARCHICAL", "false"))) {
      assertThat(net.separateHosts()).isTrue();
      assertThat(net.commandPrefix(1)).isEqualTo(net.commandPrefix(0));
      assertThat(net.commandPrefix(2)).isNotEqualTo(net.commandPrefix(0));
      assertThat(net.environment(1).get("COHORT_BIND_ADDR"))
          .isEqualTo(net.environment(0).get("COHORT_BIND_ADDR"))
          .isNotEqualTo(net.environment(2).get("COHORT_BIND_ADDR"));
      assertThat(net.environment(3).get("COHORT_PORT_RANGE"))
          .isNotEqualTo(net.environment(2).get("COHORT_PORT_RANGE"));
      // Shared memory within a host, as on a real one; the lab's option rides along.
      assertThat(net.environment(0)).containsEntry("COHORT_TRANSPORT", "auto");
      assertThat(net.environment(3)).containsEntry("COHORT_HIERARCHICAL", "false");
    }
    assertThatThrownBy(
            () -> EmulatedNetwork.open(NetworkCondition.parse("lat=1ms"), 3, 2, true, 1, w -> {}))
        .hasMessage("workers per host must divide the 3 workers, got 2");
  }

  @Test
  void lossIsAnNftRuleOnEachWorkersWayOut() throws Exception {
    assumeTrue(
        NamespaceNetwork.available() && Shell.which("nft") != null,
        "needs root with ip, tc and nft");
    try (EmulatedNetwork net =
        EmulatedNetwork.open(
            NetworkCondition.parse("loss=2.5%"),
            1,
            true,
            1,
            w -> {
              throw new AssertionError(w);
            })) {
      assertThat(net.method()).contains("nft loss").doesNotContain("relay");
      String rules =
          Shell.run(
              List.of(
                  Shell.which("ip"),
                  "netns",
                  "exec",
                  net.commandPrefix(0).get(3),
                  Shell.which("nft"),
                  "list",
                  "ruleset"));
      assertThat(rules).contains("numgen random mod 10000 < 250").contains("drop");
    }
  }
}
