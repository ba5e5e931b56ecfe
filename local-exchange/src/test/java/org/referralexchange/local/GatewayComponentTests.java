package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The gateway component's own checks, without starting the gateway. */
class GatewayComponentTests {

  @TempDir Path localDir;

  @Test
  void createsTheKeysetOnceAndReusesItAfter() throws Exception {
    Path keyset = localDir.resolve("keys/client-data.json");

    assertThat(GatewayComponent.ensureKeyset(keyset)).isTrue();
    String created = Files.readString(keyset);
    assertThat(GatewayComponent.ensureKeyset(keyset)).isFalse();

    assertThat(created).contains("\"primaryKeyId\"");
    assertThat(Files.readString(keyset)).isEqualTo(created);
    try (var files = Files.list(keyset.getParent())) {
      assertThat(files).containsExactly(keyset);
    }
  }

  @Test
  void refusesAnEmptyKeysetFileRatherThanReplacingIt() throws Exception {
    Path keyset = Files.createFile(localDir.resolve("client-data.json"));

    assertThatThrownBy(() -> GatewayComponent.ensureKeyset(keyset))
        .isInstanceOf(LocalStartupException.class)
        .hasMessageContaining("is empty");
    assertThat(keyset).isEmptyFile();
  }

  @Test
  void theGatewaysConfigFileIsOnTheClasspathOnce() throws Exception {
    SpringServiceComponent.requireConfigFileOnce(
        ReferralGatewayApplication.class,
        GatewayComponent.CONFIG_FILE,
        getClass().getClassLoader());
  }

  @Test
  void refusesToStartWhenASecondCopyOfItsConfigFileIsOnTheClasspath() throws Exception {
    Files.writeString(
        localDir.resolve(GatewayComponent.CONFIG_FILE), "spring.application.name: stale\n");
    try (URLClassLoader withStaleFile =
        new URLClassLoader(new URL[] {localDir.toUri().toURL()}, getClass().getClassLoader())) {

      assertThatThrownBy(
              () ->
                  SpringServiceComponent.requireConfigFileOnce(
                      ReferralGatewayApplication.class,
                      GatewayComponent.CONFIG_FILE,
                      withStaleFile))
          .isInstanceOf(LocalStartupException.class)
          .hasMessageContaining(
              localDir.resolve(GatewayComponent.CONFIG_FILE).toUri().toURL().toString())
          .hasMessageContaining("clean install");
    }
  }

  @Test
  void aTakenPortIsNamedWithTheSettingToChangeIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      Path keyset = localDir.resolve("keys/client-data.json");
      GatewayComponent gateway =
          new GatewayComponent(
              () -> "127.0.0.1:1",
              () -> "http://127.0.0.1:1",
              new GatewayComponent.Settings(taken.getLocalPort(), keyset, Duration.ofSeconds(5)));

      assertThatThrownBy(gateway::start)
          .isInstanceOf(LocalStartupException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("--exchange.gateway.port=");
      assertThat(keyset).doesNotExist();
    }
  }

  @Test
  void givesTheGatewayTheLocalOnlyHmacSecretUnlessTheEnvironmentHasOne() throws Exception {
    GatewayComponent gateway =
        new GatewayComponent(
            () -> "127.0.0.1:1",
            () -> "http://127.0.0.1:1",
            new GatewayComponent.Settings(
                0, localDir.resolve("keys/client-data.json"), Duration.ofSeconds(5)));
    // The gateway has no default: its arguments must carry one, resolved as Spring resolves them.
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .addFirst(new SimpleCommandLinePropertySource(gateway.arguments().toArray(String[]::new)));

    String expected =
        System.getenv("GATEWAY_HMAC_SECRET") == null
            ? GatewayComponent.LOCAL_HMAC_SECRET
            : System.getenv("GATEWAY_HMAC_SECRET");
    assertThat(environment.getProperty("gateway.hmac-secret")).isEqualTo(expected);
  }
}
