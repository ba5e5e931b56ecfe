package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LocalSettingsTests {

  @Test
  void defaultsToTheWellKnownPortsAndALocalDataFolder() {
    LocalSettings settings = LocalSettings.from(new String[0], new Properties(), Map.of());

    assertThat(settings.kafkaPort()).isEqualTo(9092);
    assertThat(settings.controllerPort()).isEqualTo(9093);
    assertThat(settings.registryPort()).isEqualTo(8081);
    assertThat(settings.gatewayPort()).isEqualTo(8080);
    assertThat(settings.keysetFile())
        .isEqualTo(Path.of(".local/keys/client-data.json").toAbsolutePath());
    assertThat(settings.kafkaDataDir()).isEqualTo(Path.of(".local/kafka").toAbsolutePath());
    assertThat(settings.launchedAtMillis()).isEmpty();
  }

  @Test
  void anArgumentOutranksASystemPropertyWhichOutranksTheEnvironment() {
    Properties properties = new Properties();
    properties.setProperty("exchange.kafka.port", "29092");
    properties.setProperty("exchange.registry.port", "28081");
    Map<String, String> env =
        Map.of(
            "EXCHANGE_KAFKA_PORT", "39092",
            "EXCHANGE_REGISTRY_PORT", "38081",
            "EXCHANGE_KAFKA_CONTROLLER_PORT", "39093");

    LocalSettings settings =
        LocalSettings.from(new String[] {"--exchange.kafka.port=19092"}, properties, env);

    assertThat(settings.kafkaPort()).isEqualTo(19092);
    assertThat(settings.registryPort()).isEqualTo(28081);
    assertThat(settings.controllerPort()).isEqualTo(39093);
  }

  @Test
  void gatewayPortAndKeysetFileFollowTheSamePattern() {
    Properties properties = new Properties();
    properties.setProperty("exchange.keyset-file", "/secure/keys.json");
    Map<String, String> env = Map.of("EXCHANGE_GATEWAY_PORT", "38080");

    LocalSettings fromEnv = LocalSettings.from(new String[0], properties, env);
    LocalSettings fromArgument =
        LocalSettings.from(new String[] {"--exchange.gateway.port=18080"}, properties, env);

    assertThat(fromEnv.gatewayPort()).isEqualTo(38080);
    assertThat(fromArgument.gatewayPort()).isEqualTo(18080);
    assertThat(fromEnv.keysetFile()).isEqualTo(Path.of("/secure/keys.json"));
  }

  @Test
  void findsKafkaLibsBesideTheBuildOutput() {
    // From the build the launcher's classes are in target/classes; the jars are in
    // target/kafka-libs.
    assertThat(LocalSettings.kafkaLibsBesideLauncher())
        .isEqualTo(Path.of("target/kafka-libs").toAbsolutePath())
        .isDirectory();
  }

  @Test
  void kafkaLibsSettingReplacesTheFolderBesideTheLauncher() {
    LocalSettings settings =
        LocalSettings.from(
            new String[0], new Properties(), Map.of("EXCHANGE_KAFKA_LIBS", "/opt/kafka/libs"));

    assertThat(settings.kafkaLibs()).isEqualTo(Path.of("/opt/kafka/libs"));
  }

  @Test
  void rejectsAnArgumentThatIsNotNameEqualsValue() {
    assertThatThrownBy(() -> LocalSettings.from(new String[] {"9092"}, new Properties(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--exchange.kafka.port=9092");
  }

  @Test
  void rejectsAPortThatIsNotANumber() {
    assertThatThrownBy(
            () ->
                LocalSettings.from(
                    new String[0], new Properties(), Map.of("EXCHANGE_KAFKA_PORT", "ninety")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exchange.kafka.port");
  }
}
