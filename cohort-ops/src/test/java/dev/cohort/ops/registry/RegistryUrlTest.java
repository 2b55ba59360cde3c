package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Registry URLs in messages: named, never with their password. */
class RegistryUrlTest {

  @Test
  void unreachableServerShouldBeNamedWithoutItsPassword() {
    String url = "jdbc:postgresql://127.0.0.1:1/registry?user=cohort&password=s3cret&ssl=false";
    assertThatThrownBy(() -> Registry.open(url))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith(
            "cannot connect to registry"
                + " jdbc:postgresql://127.0.0.1:1/registry?user=cohort&password=***&ssl=false"
                + "&connectTimeout=10&socketTimeout=60 (")
        .hasMessageContaining("check that the database server is running")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void postgresUrlsAreBoundedUnlessTheySayOtherwise() {
    assertThat(JdbcUrls.withTimeouts("jdbc:postgresql://db/models", 60))
        .isEqualTo("jdbc:postgresql://db/models?connectTimeout=10&socketTimeout=60");
    assertThat(JdbcUrls.withTimeouts("jdbc:postgresql://db/models?socketTimeout=5&user=x", 60))
        .isEqualTo("jdbc:postgresql://db/models?socketTimeout=5&user=x&connectTimeout=10");
    // Only the driver's own key counts: not another case, not a password that contains it.
    assertThat(
            JdbcUrls.withTimeouts(
                "jdbc:postgresql://db/m?SocketTimeout=5&password=socketTimeout=1", 90))
        .endsWith("&connectTimeout=10&socketTimeout=90");
    assertThat(JdbcUrls.withTimeouts("jdbc:sqlite:/tmp/x.db", 60))
        .isEqualTo("jdbc:sqlite:/tmp/x.db");
    assertThat(
            RegistrySettings.of("jdbc:postgresql://db/m")
                .withLockTimeout(java.time.Duration.ofSeconds(100))
                .connectionUrl())
        .endsWith("socketTimeout=130");
  }

  @Test
  void unsupportedUrlShouldBeRefusedWithoutItsPassword() {
    assertThatThrownBy(() -> Registry.open("jdbc:mysql://db/models?password=s3cret"))
        .isInstanceOf(RegistryException.class)
        .hasMessage(
            "registry URL jdbc:mysql://db/models?password=*** is not supported; use"
                + " jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DATABASE");
  }

  @Test
  void redactShouldHideEveryFormOfPassword() {
    assertThat(JdbcUrls.redact("jdbc:postgresql://u:pw@h/db?Password=x;password=y"))
        .isEqualTo("jdbc:postgresql://u:***@h/db?Password=***;password=***");
    assertThat(JdbcUrls.label("jdbc:sqlite:/data/models.db?busy_timeout=1"))
        .isEqualTo("/data/models.db");
  }
}
