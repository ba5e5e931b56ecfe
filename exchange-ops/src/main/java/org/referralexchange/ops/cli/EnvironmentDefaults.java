package org.referralexchange.ops.cli;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults from the same environment variables the services read ({@code KAFKA_BOOTSTRAP}, {@code
 * SCHEMA_REGISTRY_URL}). A provider rather than picocli's {@code ${env:…}} so tests can hand in an
 * environment; the generated help shows the value in force.
 */
public record EnvironmentDefaults(Map<String, String> env) implements IDefaultValueProvider {

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec option)) {
      return null;
    }
    return switch (option.longestName()) {
      case CommonOptions.BOOTSTRAP -> fromEnv("KAFKA_BOOTSTRAP", OpsSettings.DEFAULT_BOOTSTRAP);
      case CommonOptions.REGISTRY -> fromEnv("SCHEMA_REGISTRY_URL", OpsSettings.DEFAULT_REGISTRY);
      default -> null; // the annotation's default, if any
    };
  }

  private String fromEnv(String variable, String fallback) {
    String value = env.get(variable);
    return value == null || value.isBlank() ? fallback : value.trim();
  }
}
