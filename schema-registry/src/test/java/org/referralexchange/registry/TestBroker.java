package org.referralexchange.registry;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One real KRaft broker for the whole test JVM; each test class gets its own store topic, so
 * classes do not see each other's subjects.
 */
public final class TestBroker {

  private static EmbeddedKafkaKraftBroker broker;

  private TestBroker() {}

  public static synchronized EmbeddedKafkaKraftBroker get() {
    if (broker == null) {
      broker = new EmbeddedKafkaKraftBroker(1, 1);
      broker.afterPropertiesSet();
      Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "test-broker-shutdown"));
    }
    return broker;
  }

  public static String bootstrapServers() {
    return get().getBrokersAsString();
  }
}
