package org.referralexchange.adapter.it;

import java.util.ArrayList;
import java.util.List;
import org.referralexchange.testing.ExchangeInfrastructure;

/** The command line of a real adapter started by a test, with one webhook provider. */
final class AdapterArguments {

  private AdapterArguments() {}

  /**
   * This build's broker and registry, ticks of 0.2 s, the consumer group {@code group}, and one
   * webhook provider open around the clock; {@code extra} arguments follow (each name once).
   *
   * @param grace how long after its response window a referral returns, e.g. {@code P2D}
   */
  static String[] webhookProvider(
      String group, String providerId, String endpoint, String grace, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
                "--spring.kafka.properties.schema.registry.url="
                    + ExchangeInfrastructure.registryUrl(),
                "--adapter.encryption.keyset-json=" + ExchangeInfrastructure.KEYSET,
                "--adapter.minimum-poll-interval=PT0S",
                "--adapter.tick-interval=PT0.2S",
                "--exchange.kafka.ownership.group-id=" + group));
    String p = "--adapter.providers[0].";
    args.addAll(
        List.of(
            p + "id=" + providerId,
            p + "name=" + providerId + " provider",
            p + "kind=webhook",
            p + "endpoint=" + endpoint,
            p + "secret=" + AdapterFlowTests.SECRET,
            p + "allowed-fields=givenName",
            p + "service-categories=" + providerId,
            p + "time-zone=UTC",
            p + "opens-at=00:00",
            p + "closes-at=23:59:59.999",
            p + "business-days=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY",
            p + "response-window=P2D",
            p + "grace=" + grace,
            p + "poll-interval=PT15M",
            p + "enabled=true"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }
}
