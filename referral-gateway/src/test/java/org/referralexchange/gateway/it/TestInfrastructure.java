package org.referralexchange.gateway.it;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.referralexchange.testing.ProviderDirectoryRecords;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Points gateways under test at the shared real parts ({@link ExchangeInfrastructure}). */
public final class TestInfrastructure {

  public static final String KEYSET = ExchangeInfrastructure.KEYSET;

  /** The HMAC secret of every gateway under test (the gateway has no default one). */
  public static final String HMAC_SECRET = "test-only-hmac-secret";

  private TestInfrastructure() {}

  public static String registryUrl() {
    return ExchangeInfrastructure.registryUrl();
  }

  private static boolean directoryListed;

  /**
   * Lists the demo providers on the provider directory, once per test JVM: the gateway reads its
   * providers from there (an adapter lists them in a real exchange).
   */
  public static synchronized void listDemoProviders() {
    if (!directoryListed) {
      ProviderDirectoryRecords.publishDemoProviders();
      directoryListed = true;
    }
  }

  /**
   * Points a gateway under test at the shared broker, registry and keyset, with the demo providers
   * listed.
   */
  public static void register(DynamicPropertyRegistry properties) {
    listDemoProviders();
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("gateway.encryption.keyset-json", () -> KEYSET);
    properties.add("gateway.hmac-secret", () -> HMAC_SECRET);
  }

  /** The arguments that start another gateway instance on the same parts. */
  public static String[] gatewayArguments(String... more) {
    listDemoProviders();
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers());
    args.add(
        "--spring.kafka.properties.schema.registry.url=" + ExchangeInfrastructure.registryUrl());
    args.add("--gateway.encryption.keyset-json=" + KEYSET);
    args.add("--gateway.hmac-secret=" + HMAC_SECRET);
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  /** Every record on a topic so far, as raw bytes. */
  public static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    return ExchangeInfrastructure.readAll(topic);
  }
}
