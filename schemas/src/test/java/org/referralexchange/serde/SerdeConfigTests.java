package org.referralexchange.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SerdeConfigTests {

  @Test
  void readsConfluentKeysWithConfluentDefaults() {
    SerdeConfig config =
        SerdeConfig.from(Map.of("schema.registry.url", "http://a:8081, http://b:8081"));

    assertThat(config.registryUrls())
        .containsExactly(URI.create("http://a:8081/"), URI.create("http://b:8081/"));
    assertThat(config.autoRegisterSchemas()).isTrue();
    assertThat(config.useLatestVersion()).isFalse();
    assertThat(config.specificAvroReader()).isFalse();
    assertThat(config.basicAuthHeader()).isEmpty();
  }

  @Test
  void readsFlagsGivenAsStringsOrBooleans() {
    SerdeConfig config =
        SerdeConfig.from(
            Map.of(
                "schema.registry.url",
                List.of("http://a:8081"),
                "auto.register.schemas",
                "false",
                "use.latest.version",
                true,
                "specific.avro.reader",
                "true"));

    assertThat(config.autoRegisterSchemas()).isFalse();
    assertThat(config.useLatestVersion()).isTrue();
    assertThat(config.specificAvroReader()).isTrue();
  }

  @Test
  void userInfoSourceBuildsBasicAuthHeader() {
    SerdeConfig config =
        SerdeConfig.from(
            Map.of(
                "schema.registry.url", "https://registry:8081",
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "svc:s3cret"));

    assertThat(config.basicAuthHeader())
        .contains("Basic " + Base64.getEncoder().encodeToString("svc:s3cret".getBytes()));
  }

  @Test
  void urlSourceTakesCredentialsFromUrlAndStripsThemFromIt() {
    SerdeConfig config =
        SerdeConfig.from(Map.of("schema.registry.url", "http://u:p@registry:8081"));

    assertThat(config.basicAuthHeader())
        .contains("Basic " + Base64.getEncoder().encodeToString("u:p".getBytes()));
    assertThat(config.registryUrls()).containsExactly(URI.create("http://registry:8081/"));
  }

  @Test
  void refusesMissingUrl() {
    assertThatThrownBy(() -> SerdeConfig.from(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url");
  }

  @Test
  void refusesSubjectStrategiesOtherThanTopicName() {
    assertThatThrownBy(
            () ->
                SerdeConfig.from(
                    Map.of(
                        "schema.registry.url",
                        "http://a:8081",
                        "value.subject.name.strategy",
                        "io.confluent.kafka.serializers.subject.RecordNameStrategy")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("value.subject.name.strategy");
  }

  @Test
  void refusesUserInfoSourceWithoutCredentialsWithoutEchoingThem() {
    assertThatThrownBy(
            () ->
                SerdeConfig.from(
                    Map.of(
                        "schema.registry.url", "http://a:8081",
                        "basic.auth.credentials.source", "USER_INFO",
                        "basic.auth.user.info", "nocolon")))
        .isInstanceOf(ConfigException.class)
        .hasMessageNotContaining("nocolon");
  }
}
