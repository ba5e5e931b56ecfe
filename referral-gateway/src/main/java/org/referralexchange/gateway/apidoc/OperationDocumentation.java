package org.referralexchange.gateway.apidoc;

import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.core.io.ClassPathResource;
import org.springframework.web.method.HandlerMethod;

/**
 * Every documented operation is an agency's (the document covers {@code /api/**}, all of which the
 * security chain closes to anyone else): an API key or a bearer token. Examples are JSON files
 * named by operation: {@code apidoc/examples/<operationId>.request.json} and {@code
 * <operationId>.<status>.json}, fictitious people only.
 */
final class OperationDocumentation implements OperationCustomizer {

  private static final String EXAMPLES = "apidoc/examples/";

  @Override
  public Operation customize(Operation operation, HandlerMethod handler) {
    operation.setSecurity(
        List.of(
            new SecurityRequirement().addList(ApiDocumentation.API_KEY),
            new SecurityRequirement().addList(ApiDocumentation.BEARER)));
    String id = operation.getOperationId();
    if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
      example(id + ".request.json")
          .ifPresent(
              example ->
                  operation.getRequestBody().getContent().values().forEach(m -> add(m, example)));
    }
    if (operation.getResponses() != null) {
      operation
          .getResponses()
          .forEach(
              (status, response) -> {
                if (response.getContent() != null) {
                  example(id + "." + status + ".json")
                      .ifPresent(
                          example -> response.getContent().values().forEach(m -> add(m, example)));
                }
              });
    }
    return operation;
  }

  private static void add(MediaType media, Example example) {
    media.addExamples("example", example);
  }

  private static java.util.Optional<Example> example(String name) {
    ClassPathResource resource = new ClassPathResource(EXAMPLES + name);
    if (!resource.exists()) {
      return java.util.Optional.empty();
    }
    try (InputStream in = resource.getInputStream()) {
      return java.util.Optional.of(
          new Example()
              .summary("A fictitious agency's call (no real person)")
              .value(Json.mapper().readTree(in)));
    } catch (IOException e) {
      throw new UncheckedIOException("Unreadable example " + name, e);
    }
  }
}
