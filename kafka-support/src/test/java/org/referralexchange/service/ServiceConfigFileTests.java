package org.referralexchange.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A service annotated with {@link ServiceConfigFile} reads its own file although an {@code
 * application.yml} is on the same class path (both are in this module's test resources, each
 * setting {@code sample.origin} to its own name).
 */
class ServiceConfigFileTests {

  @Test
  void annotatedServiceReadsItsOwnFileAndNotApplicationYml() {
    assertThat(origin(SampleService.class)).isEqualTo("sample-service.yml");
  }

  @Test
  void applicationWithoutTheAnnotationKeepsSpringBootsDefault() {
    assertThat(origin(PlainApplication.class)).isEqualTo("application.yml");
  }

  @Test
  void anExplicitConfigNameWins() {
    assertThat(origin(SampleService.class, "--spring.config.name=application"))
        .isEqualTo("application.yml");
  }

  private static String origin(Class<?> source, String... args) {
    try (ConfigurableApplicationContext context =
        new SpringApplicationBuilder(source)
            .web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .run(args)) {
      return context.getEnvironment().getProperty("sample.origin");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ServiceConfigFile("sample-service")
  static class SampleService {}

  @Configuration(proxyBeanMethods = false)
  static class PlainApplication {}
}
