package dev.cohort.comm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostIdTest {

  @Test
  void aProcessInAnotherNetworkNamespaceOfThisKernelShouldShareTheMachine() {
    String[] mine = HostId.current().split("/", 3);
    String otherNamespace = mine[0] + "/" + mine[1] + "/net:[4026532999]";
    assertThat(HostId.sameMachine(otherNamespace)).isEqualTo(!mine[1].isEmpty());
  }

  @Test
  void aProcessUnderAnotherKernelShouldNotShareTheMachine() {
    assertThat(HostId.sameMachine("m/another-boot-id/net:[1]")).isFalse();
  }

  @Test
  void anIdWithoutABootIdShouldNeverShareTheMachine() {
    assertThat(HostId.sameMachine("")).isFalse();
    assertThat(HostId.bootId("machine-only")).isEmpty();
  }
}
