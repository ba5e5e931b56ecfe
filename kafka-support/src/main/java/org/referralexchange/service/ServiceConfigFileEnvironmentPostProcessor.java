package org.referralexchange.service;

import java.util.Map;
import java.util.Optional;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Sets {@code spring.config.name} to the {@link ServiceConfigFile} of the application being
 * started, before Spring Boot looks for configuration files. The value goes in as the lowest
 * priority property source, so anything that sets {@code spring.config.name} explicitly wins.
 * Applications without the annotation (the schema registry, tests' own configurations) are left
 * alone.
 */
public class ServiceConfigFileEnvironmentPostProcessor
    implements EnvironmentPostProcessor, Ordered {

  static final String PROPERTY_SOURCE_NAME = "serviceConfigFile";
  static final String CONFIG_NAME = "spring.config.name";

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    configName(application)
        .ifPresent(
            name ->
                environment
                    .getPropertySources()
                    .addLast(
                        new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of(CONFIG_NAME, name))));
  }

  /** The config file named by the first application source that carries the annotation. */
  static Optional<String> configName(SpringApplication application) {
    return application.getAllSources().stream()
        .filter(Class.class::isInstance)
        .map(
            source ->
                AnnotatedElementUtils.findMergedAnnotation(
                    (Class<?>) source, ServiceConfigFile.class))
        .filter(annotation -> annotation != null)
        .map(ServiceConfigFile::value)
        .findFirst();
  }

  /** Just before the config files are read. */
  @Override
  public int getOrder() {
    return ConfigDataEnvironmentPostProcessor.ORDER - 1;
  }
}
