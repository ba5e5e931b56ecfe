package org.referralexchange.gateway.problem;

import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import java.util.List;
import java.util.Map;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.SchemaUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns every failure of a request into a problem detail with a stable type. Messages name fields
 * and rules, never values: a rejected request may carry client data and none of it is echoed or
 * logged.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ApiExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  @ExceptionHandler(GatewayProblem.class)
  ResponseEntity<ProblemDetail> gatewayProblem(GatewayProblem problem) {
    ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.status());
    problem
        .retryAfter()
        .ifPresent(d -> response.header(HttpHeaders.RETRY_AFTER, Long.toString(d.toSeconds())));
    return response.body(problem.toProblemDetail());
  }

  @ExceptionHandler(MethodArgumentNotValidException.class)
  ResponseEntity<ProblemDetail> invalid(MethodArgumentNotValidException e) {
    List<Map<String, String>> errors =
        e.getBindingResult().getAllErrors().stream()
            .map(
                error ->
                    Map.of(
                        "field",
                        error instanceof FieldError f ? f.getField() : error.getObjectName(),
                        "message",
                        String.valueOf(error.getDefaultMessage())))
            .toList();
    return validation("The request has " + errors.size() + " invalid field(s).", errors);
  }

  @ExceptionHandler(HandlerMethodValidationException.class)
  ResponseEntity<ProblemDetail> invalidParameters(HandlerMethodValidationException e) {
    List<Map<String, String>> errors =
        e.getParameterValidationResults().stream()
            .flatMap(
                r ->
                    r.getResolvableErrors().stream()
                        .map(
                            error ->
                                Map.of(
                                    "field",
                                    String.valueOf(r.getMethodParameter().getParameterName()),
                                    "message",
                                    String.valueOf(error.getDefaultMessage()))))
            .toList();
    return validation("The request has " + errors.size() + " invalid parameter(s).", errors);
  }

  /**
   * A constraint checked by a {@code @Validated} bean's method validation. The controllers' own
   * parameters (e.g. {@code size=0}) arrive as {@link HandlerMethodValidationException} above; this
   * keeps any other method-validated call out of the 500 below, where {@code GatewayFuzzTests} once
   * found one.
   */
  @ExceptionHandler(ConstraintViolationException.class)
  ResponseEntity<ProblemDetail> invalidConstraints(ConstraintViolationException e) {
    List<Map<String, String>> errors =
        e.getConstraintViolations().stream()
            .map(
                violation -> {
                  String field = "";
                  for (Path.Node node : violation.getPropertyPath()) {
                    field = String.valueOf(node.getName());
                  }
                  return Map.of("field", field, "message", String.valueOf(violation.getMessage()));
                })
            .toList();
    return validation("The request has " + errors.size() + " invalid parameter(s).", errors);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
    Throwable cause = e.getMostSpecificCause();
    String detail;
    if (cause instanceof UnrecognizedPropertyException unknown) {
      detail =
          "Field '"
              + unknown.getPropertyName()
              + "' is not accepted here (the exchange sets ids, statuses and timestamps itself).";
    } else if (cause instanceof MismatchedInputException mismatch) {
      detail = "Field '" + path(mismatch) + "' has the wrong type or format.";
    } else {
      detail = "The body is not valid JSON for this request.";
    }
    return ResponseEntity.badRequest()
        .body(
            ProblemTypes.problem(
                HttpStatus.BAD_REQUEST,
                ProblemTypes.MALFORMED_REQUEST,
                "Malformed request",
                detail));
  }

  @ExceptionHandler(MissingRequestHeaderException.class)
  ResponseEntity<ProblemDetail> missingHeader(MissingRequestHeaderException e) {
    String slug =
        "Idempotency-Key".equalsIgnoreCase(e.getHeaderName())
            ? ProblemTypes.IDEMPOTENCY_KEY_MISSING
            : ProblemTypes.MALFORMED_REQUEST;
    return ResponseEntity.badRequest()
        .body(
            ProblemTypes.problem(
                HttpStatus.BAD_REQUEST,
                slug,
                "Missing header",
                "Header '" + e.getHeaderName() + "' is required."));
  }

  @ExceptionHandler({
    MissingServletRequestParameterException.class,
    MethodArgumentTypeMismatchException.class
  })
  ResponseEntity<ProblemDetail> badParameter(Exception e) {
    String name =
        e instanceof MissingServletRequestParameterException m
            ? m.getParameterName()
            : ((MethodArgumentTypeMismatchException) e).getName();
    return validation(
        "Parameter '" + name + "' is missing or malformed.",
        List.of(Map.of("field", name, "message", "missing or malformed")));
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<ProblemDetail> noResource(NoResourceFoundException e) {
    return simple(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", "No such resource.");
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<ProblemDetail> method(HttpRequestMethodNotSupportedException e) {
    return simple(
        HttpStatus.METHOD_NOT_ALLOWED,
        ProblemTypes.METHOD_NOT_ALLOWED,
        "Method not allowed",
        "Method " + e.getMethod() + " is not allowed here.");
  }

  /**
   * A body in another format than JSON. Decided by the mappings' {@code consumes}, not by which
   * converters happen to be on the classpath: where an XML converter is (Twilio's SDK brings one
   * into the run command's JVM) it used to read the body and fail as a malformed request.
   */
  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e) {
    String sent =
        e.getContentType() == null ? "no Content-Type" : "Content-Type " + e.getContentType();
    return asProblemJson(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
        sent + " is not accepted here; send application/json.");
  }

  /** An {@code Accept} that excludes JSON: nothing else is served, so nothing was done. */
  @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
  ResponseEntity<ProblemDetail> notAcceptable(HttpMediaTypeNotAcceptableException e) {
    return asProblemJson(
        HttpStatus.NOT_ACCEPTABLE,
        ProblemTypes.NOT_ACCEPTABLE,
        "Not acceptable",
        "This API answers in application/json only (problems in application/problem+json).");
  }

  /**
   * Written as {@code application/problem+json} whatever the request's {@code Accept} says: the
   * refusal of a media type must not itself be negotiated into that media type, or fail to be.
   */
  private static ResponseEntity<ProblemDetail> asProblemJson(
      HttpStatusCode status, String slug, String title, String detail) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(ProblemTypes.problem(status, slug, title, detail));
  }

  /**
   * The event could not be written for want of its schema (the registry unreachable and the schema
   * not cached in this instance yet, or not registered): nothing was sent, so a retry is safe.
   */
  @ExceptionHandler(SchemaUnavailableException.class)
  ResponseEntity<ProblemDetail> schemaUnavailable(SchemaUnavailableException e) {
    log.warn("Refusing request, no schema to write its event: {}", e.getMessage());
    return tryAgainShortly(
        ProblemTypes.SCHEMA_UNAVAILABLE,
        "The exchange could not reach its schema registry to record the request, so nothing was"
            + " recorded. Retry with the same Idempotency-Key.");
  }

  @ExceptionHandler(BrokerUnavailableException.class)
  ResponseEntity<ProblemDetail> brokerDown(BrokerUnavailableException e) {
    log.warn("Refusing request, broker unavailable: {}", e.getMessage());
    return tryAgainShortly(
        ProblemTypes.BROKER_UNAVAILABLE,
        "The exchange could not confirm that it recorded the request. Retry with the same"
            + " Idempotency-Key: if this attempt was recorded after all, the retry answers with"
            + " it; if not, the retry records it. Nothing is recorded twice.");
  }

  /** 503 with {@code Retry-After: 5}: a part the exchange needs is away for now. */
  private static ResponseEntity<ProblemDetail> tryAgainShortly(String type, String detail) {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, "5")
        .body(
            ProblemTypes.problem(
                HttpStatus.SERVICE_UNAVAILABLE, type, "Try again shortly", detail));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    log.error("Unexpected failure handling a request: {}", e.getClass().getName());
    return simple(
        HttpStatus.INTERNAL_SERVER_ERROR,
        ProblemTypes.INTERNAL,
        "Internal error",
        "The request failed unexpectedly and changed nothing that was not reported.");
  }

  private static ResponseEntity<ProblemDetail> validation(
      String detail, List<Map<String, String>> errors) {
    ProblemDetail problem =
        ProblemTypes.problem(
            HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request", detail);
    problem.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(problem);
  }

  private static ResponseEntity<ProblemDetail> simple(
      HttpStatusCode status, String slug, String title, String detail) {
    return ResponseEntity.status(status).body(ProblemTypes.problem(status, slug, title, detail));
  }

  private static String path(MismatchedInputException e) {
    return e.getPath().stream()
        .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
        .reduce((a, b) -> a + "." + b)
        .orElse("(body)");
  }
}
