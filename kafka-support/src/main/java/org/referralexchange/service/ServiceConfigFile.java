package org.referralexchange.service;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the configuration file of the service whose application class carries it:
 * {@code @ServiceConfigFile("agency-adapter")} makes the service read {@code agency-adapter.yml}
 * (and {@code agency-adapter-<profile>.yml}) instead of {@code application.yml}.
 *
 * <p>Several services then share one JVM and one class path (the local launcher, the end-to-end
 * test, the benchmarks) each with its own file: with {@code application.yml} everywhere, Spring
 * Boot would read whichever came first on the class path for all of them. Works for {@code main},
 * {@code SpringApplicationBuilder} and {@code @SpringBootTest} alike, through {@link
 * ServiceConfigFileEnvironmentPostProcessor}; an explicit {@code spring.config.name} (argument,
 * system property, environment) still wins.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ServiceConfigFile {

  /** The file's base name, without extension, e.g. {@code notifier}. */
  String value();
}
