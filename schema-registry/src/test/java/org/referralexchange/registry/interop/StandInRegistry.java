package org.referralexchange.registry.interop;

import org.referralexchange.registry.SchemaRegistryApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The stand-in registry running on a free port against a real broker, for one test class. */
final class StandInRegistry implements AutoCloseable {

  private final ConfigurableApplicationContext context;
  private final String url;

  private StandInRegistry(ConfigurableApplicationContext context) {
    this.context = context;
    this.url = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
  }

  static StandInRegistry start(String bootstrapServers) {
    return new StandInRegistry(
        // As arguments, not default properties: schema-registry.yml would win over those.
        SchemaRegistryApplication.builder()
            .run(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--registry.kafka.bootstrap-servers=" + bootstrapServers,
                "--spring.main.banner-mode=off"));
  }

  String url() {
    return url;
  }

  @Override
  public void close() {
    context.close();
  }
}
