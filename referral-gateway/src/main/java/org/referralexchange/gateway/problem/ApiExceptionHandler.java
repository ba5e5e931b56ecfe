package org.referralexchange.gateway.problem;

import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import java.util.List;
import java.util.Map;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.SchemaUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
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
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns every failure of a request into a problem detail with a stable type. Spring MVC's own
 * exceptions (and {@link GatewayProblem}, an {@code ErrorResponseException}) arrive through {@link
 * ResponseEntityExceptionHandler}; the ones named below get their words here, and any other it
 * knows gets the stable type of its status with generic words (its default detail may quote a
 * value). Messages name fields and rules, never values: a rejected request may carry client data
 * and none of it is echoed or logged.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  /** The stable type of each status the framework answers on its own, with generic words. */
  private static final Map<Integer, String[]> BY_STATUS =
      Map.of(
          400, new String[] {ProblemTypes.MALFORMED_REQUEST, "Malformed request"},
          404, new String[] {ProblemTypes.NOT_FOUND, "Not found"},
          405, new String[] {ProblemTypes.METHOD_NOT_ALLOWED, "Method not allowed"},
          406, new String[] {ProblemTypes.NOT_ACCEPTABLE, "Not acceptable"},
          413, new String[] {ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large"},
          415, new String[] {ProblemTypes.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"});

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
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

  @Override
  protected ResponseEntity<Object> handleHandlerMethodValidationException(
      HandlerMethodValidationException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
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
  ResponseEntity<Object> invalidConstraints(ConstraintViolationException e) {
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

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
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
    return simple(
        HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request", detail);
  }

  /** A missing header; the Idempotency-Key has its own type, so clients can tell. */
  @Override
  protected ResponseEntity<Object> handleServletRequestBindingException(
      ServletRequestBindingException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    if (!(e instanceof MissingRequestHeaderException missing)) {
      return super.handleServletRequestBindingException(e, headers, status, request);
    }
    String slug =
        "Idempotency-Key".equalsIgnoreCase(missing.getHeaderName())
            ? ProblemTypes.IDEMPOTENCY_KEY_MISSING
            : ProblemTypes.MALFORMED_REQUEST;
    return simple(
        HttpStatus.BAD_REQUEST,
        slug,
        "Missing header",
        "Header '" + missing.getHeaderName() + "' is required.");
  }

  @Override
  protected ResponseEntity<Object> handleMissingServletRequestParameter(
      MissingServletRequestParameterException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    return badParameter(e.getParameterName());
  }

  @Override
  protected ResponseEntity<Object> handleTypeMismatch(
      TypeMismatchException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    if (e instanceof MethodArgumentTypeMismatchException mismatch) {
      return badParameter(mismatch.getName());
    }
    return super.handleTypeMismatch(e, headers, status, request);
  }

  private static ResponseEntity<Object> badParameter(String name) {
    return validation(
        "Parameter '" + name + "' is missing or malformed.",
        List.of(Map.of("field", name, "message", "missing or malformed")));
  }

  @Override
  protected ResponseEntity<Object> handleNoResourceFoundException(
      NoResourceFoundException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    return simple(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", "No such resource.");
  }

  /** With the {@code Allow} header the framework puts in {@code headers}. */
  @Override
  protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(
      HttpRequestMethodNotSupportedException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED)
        .headers(headers)
        .body(
            ProblemTypes.problem(
                HttpStatus.METHOD_NOT_ALLOWED,
                ProblemTypes.METHOD_NOT_ALLOWED,
                "Method not allowed",
                "Method " + e.getMethod() + " is not allowed here."));
  }

  /**
   * A body in another format than JSON. Decided by the mappings' {@code consumes}, not by which
   * converters happen to be on the classpath: where an XML converter is (Twilio's SDK brings one
   * into the run command's JVM) it used to read the body and fail as a malformed request.
   */
  @Override
  protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
      HttpMediaTypeNotSupportedException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    String sent =
        e.getContentType() == null ? "no Content-Type" : "Content-Type " + e.getContentType();
    return asProblemJson(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
        sent + " is not accepted here; send application/json.");
  }

  /** An {@code Accept} that excludes JSON: nothing else is served, so nothing was done. */
  @Override
  protected ResponseEntity<Object> handleHttpMediaTypeNotAcceptable(
      HttpMediaTypeNotAcceptableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    return asProblemJson(
        HttpStatus.NOT_ACCEPTABLE,
        ProblemTypes.NOT_ACCEPTABLE,
        "Not acceptable",
        "This API answers in application/json only (problems in application/problem+json).");
  }

  /**
   * Every answer the base class makes goes through here. A {@link GatewayProblem} already carries
   * its stable type; the framework's own problems ({@code type: about:blank}) get the type of their
   * status and generic words, since their default detail may quote what the request held.
   */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception e, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    if (e instanceof GatewayProblem problem) {
      return ResponseEntity.status(problem.getStatusCode())
          .headers(problem.getHeaders())
          .body(problem.getBody());
    }
    String[] typeAndTitle = BY_STATUS.get(status.value());
    if (typeAndTitle == null) {
      return unexpected(e);
    }
    return ResponseEntity.status(status)
        .headers(headers)
        .body(
            ProblemTypes.problem(
                status,
                typeAndTitle[0],
                typeAndTitle[1],
                "The request could not be handled as sent and changed nothing."));
  }

  /**
   * Written as {@code application/problem+json} whatever the request's {@code Accept} says: the
   * refusal of a media type must not itself be negotiated into that media type, or fail to be.
   */
  private static ResponseEntity<Object> asProblemJson(
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
  ResponseEntity<Object> schemaUnavailable(SchemaUnavailableException e) {
    log.warn("Refusing request, no schema to write its event: {}", e.getMessage());
    return tryAgainShortly(
        ProblemTypes.SCHEMA_UNAVAILABLE,
        "The exchange could not reach its schema registry to record the request, so nothing was"
            + " recorded. Retry with the same Idempotency-Key.");
  }

  @ExceptionHandler(BrokerUnavailableException.class)
  ResponseEntity<Object> brokerDown(BrokerUnavailableException e) {
    log.warn("Refusing request, broker unavailable: {}", e.getMessage());
    return tryAgainShortly(
        ProblemTypes.BROKER_UNAVAILABLE,
        "The exchange could not confirm that it recorded the request. Retry with the same"
            + " Idempotency-Key: if this attempt was recorded after all, the retry answers with"
            + " it; if not, the retry records it. Nothing is recorded twice.");
  }

  /** 503 with {@code Retry-After: 5}: a part the exchange needs is away for now. */
  private static ResponseEntity<Object> tryAgainShortly(String type, String detail) {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, "5")
        .body(
            ProblemTypes.problem(
                HttpStatus.SERVICE_UNAVAILABLE, type, "Try again shortly", detail));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> unexpected(Exception e) {
    log.error("Unexpected failure handling a request: {}", e.getClass().getName());
    return simple(
        HttpStatus.INTERNAL_SERVER_ERROR,
        ProblemTypes.INTERNAL,
        "Internal error",
        "The request failed unexpectedly and changed nothing that was not reported.");
  }

  private static ResponseEntity<Object> validation(
      String detail, List<Map<String, String>> errors) {
    ProblemDetail problem =
        ProblemTypes.problem(
            HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request", detail);
    problem.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(problem);
  }

  private static ResponseEntity<Object> simple(
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
