package org.referralexchange.adapter.apidoc;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;

/**
 * The document at {@code /v3/api-docs}: the calls providers' systems make to the exchange. Each
 * provider kind's package documents its own operation (security, body, problems) with an operation
 * customizer; this holds what they share.
 */
@Configuration(proxyBeanMethods = false)
public class CallbackApiDocumentation {

  public static final String TITLE = "Referral Exchange Provider Callback API";

  public static final String WEBHOOK_PROVIDERS = "Webhook providers";
  public static final String FHIR_PROVIDERS = "FHIR providers";

  static final String PROBLEM = "Problem";
  static final String PROBLEM_JSON =
      org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

  @Bean
  OpenAPI providerCallbackApi(ObjectProvider<BuildProperties> build) {
    BuildProperties properties = build.getIfAvailable();
    return new OpenAPI()
        .info(
            new Info()
                .title(TITLE)
                .version(properties == null ? "development" : properties.getVersion())
                .description(text("apidoc/provider-callback-api.md")))
        .addTagsItem(
            new Tag()
                .name(WEBHOOK_PROVIDERS)
                .description(
                    "Providers whose systems receive Standard Webhooks from the exchange."))
        .addTagsItem(
            new Tag()
                .name(FHIR_PROVIDERS)
                .description("Providers whose FHIR R4 servers hold the referral's Task."))
        // Relative: the adapter that serves the document, whatever address providers reach it by.
        .addServersItem(new Server().url("/").description("The adapter that serves this document"))
        .components(new Components().addSchemas(PROBLEM, problemSchema()));
  }

  /**
   * The operation's responses for these problems: one {@code application/problem+json} response per
   * status, naming each type with an example.
   */
  public static void addProblems(Operation operation, List<CallbackProblem> problems) {
    Map<HttpStatus, List<CallbackProblem>> byStatus = new TreeMap<>();
    problems.forEach(p -> byStatus.computeIfAbsent(p.status(), s -> new ArrayList<>()).add(p));
    ApiResponses responses =
        operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
    responses.keySet().removeIf(code -> code.startsWith("4") || code.startsWith("5"));
    byStatus.forEach(
        (status, list) ->
            responses.addApiResponse(Integer.toString(status.value()), response(status, list)));
    operation.setResponses(responses);
  }

  private static ApiResponse response(HttpStatus status, List<CallbackProblem> problems) {
    MediaType media = new MediaType().schema(new Schema<>().$ref(PROBLEM));
    List<String> lines = new ArrayList<>();
    for (CallbackProblem problem : problems) {
      lines.add("- `" + problem.type() + "`: " + problem.when());
      media.addExamples(
          problem.slug(),
          new Example()
              .summary(problem.title())
              .value(
                  new LinkedHashMap<>(
                      Map.of(
                          "type",
                          problem.type().toString(),
                          "title",
                          problem.title(),
                          "status",
                          status.value(),
                          "detail",
                          Character.toUpperCase(problem.when().charAt(0))
                              + problem.when().substring(1)
                              + "."))));
    }
    ApiResponse response =
        new ApiResponse()
            .description(status.getReasonPhrase() + ", one of:\n" + String.join("\n", lines))
            .content(new Content().addMediaType(PROBLEM_JSON, media));
    if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
      response.addHeaderObject(
          "Retry-After",
          new Header()
              .description("Seconds to wait before sending again.")
              .schema(new IntegerSchema()));
    }
    return response;
  }

  private static Schema<?> problemSchema() {
    return new ObjectSchema()
        .description(
            "An RFC 9457 problem detail. Switch on `type`; `detail` is for people and never"
                + " repeats the request's body.")
        .addProperty(
            "type",
            new StringSchema()
                .format("uri-reference")
                .description("The stable problem type, `/problems/<slug>`."))
        .addProperty("title", new StringSchema().description("Short words for the type."))
        .addProperty("status", new IntegerSchema().description("The HTTP status."))
        .addProperty("detail", new StringSchema().description("What happened, for people."))
        .addProperty(
            "instance",
            new StringSchema().format("uri-reference").description("The request's path."))
        .addRequiredItem("type")
        .addRequiredItem("title")
        .addRequiredItem("status");
  }

  static String text(String resource) {
    try (InputStream in = new ClassPathResource(resource).getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Missing API document text " + resource, e);
    }
  }
}
