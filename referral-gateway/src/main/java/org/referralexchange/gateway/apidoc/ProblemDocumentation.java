package org.referralexchange.gateway.apidoc;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.referralexchange.gateway.problem.MayRefuseWith;
import org.referralexchange.gateway.problem.ProblemCatalog;
import org.referralexchange.gateway.problem.ProblemCatalog.Group;
import org.referralexchange.gateway.problem.ProblemCatalog.Problem;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.web.method.HandlerMethod;

/**
 * Gives each operation one {@code application/problem+json} response per status it can answer with,
 * naming every type (with an example of each): those its shape brings (every call; a body;
 * parameters; a resource named in the path) and those its handler declares with {@link
 * MayRefuseWith}.
 */
final class ProblemDocumentation implements OperationCustomizer {

  static final String PROBLEM_JSON =
      org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

  @Override
  public Operation customize(Operation operation, HandlerMethod handler) {
    Set<Group> groups = EnumSet.of(Group.EVERY_CALL);
    if (operation.getRequestBody() != null) {
      groups.add(Group.REQUEST_BODY);
    }
    List<Parameter> parameters =
        operation.getParameters() == null ? List.of() : operation.getParameters();
    if (parameters.stream().anyMatch(p -> "path".equals(p.getIn()))) {
      groups.add(Group.NAMED_RESOURCE);
    }
    if (parameters.stream().anyMatch(p -> "query".equals(p.getIn()))) {
      groups.add(Group.PARAMETERS);
    }
    MayRefuseWith declared = handler.getMethodAnnotation(MayRefuseWith.class);
    if (declared != null) {
      groups.addAll(List.of(declared.value()));
    }

    Map<HttpStatus, Map<String, Problem>> byStatus = new TreeMap<>();
    for (Group group : groups) {
      for (Problem problem : group.problems()) {
        byStatus
            .computeIfAbsent(problem.status(), s -> new LinkedHashMap<>())
            .merge(problem.slug(), problem, ProblemDocumentation::eitherCase);
      }
    }
    ApiResponses responses =
        operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
    // Springdoc's guesses for error statuses (none expected) give way to the catalogue's.
    responses.keySet().removeIf(code -> code.startsWith("4") || code.startsWith("5"));
    byStatus.forEach(
        (status, problems) ->
            responses.addApiResponse(
                Integer.toString(status.value()), response(status, problems.values())));
    return operation.responses(responses);
  }

  private static ApiResponse response(HttpStatus status, Iterable<Problem> problems) {
    MediaType media = new MediaType().schema(new Schema<>().$ref(ApiDocumentation.PROBLEM));
    List<String> lines = new ArrayList<>();
    for (Problem problem : problems) {
      lines.add("- `" + problem.type() + "`: " + problem.when());
      media.addExamples(
          problem.slug(),
          new Example()
              .summary(problem.title())
              .value(
                  new LinkedHashMap<>(
                      Map.of(
                          "type", problem.type().toString(),
                          "title", problem.title(),
                          "status", status.value(),
                          "detail", capitalised(problem.when()) + "."))));
    }
    ApiResponse response =
        new ApiResponse()
            .description(status.getReasonPhrase() + ", one of:\n" + String.join("\n", lines))
            .content(new Content().addMediaType(PROBLEM_JSON, media));
    if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
      response.addHeaderObject(
          "Retry-After",
          new Header().description("Seconds to wait before retrying.").schema(new IntegerSchema()));
    }
    return response;
  }

  /** One type met in two ways at one status (a malformed path or a malformed body). */
  private static Problem eitherCase(Problem first, Problem second) {
    return new Problem(
        first.status(), first.slug(), first.title(), first.when() + "; or " + second.when());
  }

  private static String capitalised(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  /** The whole catalogue as a Markdown table, for the document's description. */
  static String table() {
    return "\n\n## Problem types\n\n| Status | `type` | When |\n| --- | --- | --- |\n"
        + ProblemCatalog.all().stream()
            .map(p -> "| " + p.status().value() + " | `" + p.type() + "` | " + p.when() + " |")
            .collect(Collectors.joining("\n"))
        + "\n";
  }
}
