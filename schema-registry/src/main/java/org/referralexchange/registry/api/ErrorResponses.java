package org.referralexchange.registry.api;

import org.referralexchange.registry.api.Dtos.ErrorMessage;
import org.referralexchange.registry.schema.RegistryException;
import org.referralexchange.registry.store.StoreException;
import org.referralexchange.registry.store.StoreTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;

/**
 * Every failure as Confluent's {@code {"error_code":..,"message":..}} body in its media type, never
 * a stack trace. (The house style's ProblemDetail gives way here: Confluent's clients parse this
 * shape.)
 */
@RestControllerAdvice
class ErrorResponses {

  private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

  static ResponseEntity<ErrorMessage> error(int status, int errorCode, String message) {
    return ResponseEntity.status(status)
        .contentType(ConfluentMediaTypes.V1)
        .body(new ErrorMessage(errorCode, message));
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> refused(RegistryException e) {
    return error(e.status(), e.errorCode(), e.getMessage());
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> timedOut(StoreTimeoutException e) {
    log.warn("Store timeout: {}", e.getMessage());
    return error(500, 50002, e.getMessage());
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> storeFailed(StoreException e) {
    log.error("Store error", e);
    return error(500, 50001, "Error in the backend data store: " + e.getMessage());
  }

  /** Confluent (Jersey and Jackson) answers unparsable JSON with 400 and error code 400. */
  @ExceptionHandler
  ResponseEntity<ErrorMessage> unreadable(HttpMessageNotReadableException e) {
    String detail =
        e.getMostSpecificCause() instanceof JacksonException jackson
            ? jackson.getOriginalMessage()
            : "Required request body is missing or unreadable";
    return error(400, 400, "Malformed JSON request body: " + detail);
  }

  @ExceptionHandler({NoHandlerFoundException.class, NoResourceFoundException.class})
  ResponseEntity<ErrorMessage> notFound(Exception e) {
    return error(404, 404, "HTTP 404 Not Found");
  }

  /** A path segment of the wrong type matches no resource (Jersey's 404); a bad query is a 400. */
  @ExceptionHandler
  ResponseEntity<ErrorMessage> mismatch(MethodArgumentTypeMismatchException e) {
    if (e.getParameter().hasParameterAnnotation(PathVariable.class)) {
      return error(404, 404, "HTTP 404 Not Found");
    }
    return error(400, 400, "Invalid value '" + e.getValue() + "' for parameter " + e.getName());
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> missingParameter(MissingServletRequestParameterException e) {
    return error(400, 400, e.getMessage());
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> methodNotAllowed(HttpRequestMethodNotSupportedException e) {
    return error(405, 405, "HTTP 405 Method Not Allowed");
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> unsupportedMediaType(HttpMediaTypeNotSupportedException e) {
    return error(415, 415, "HTTP 415 Unsupported Media Type");
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> notAcceptable(HttpMediaTypeNotAcceptableException e) {
    return error(406, 406, "HTTP 406 Not Acceptable");
  }

  @ExceptionHandler
  ResponseEntity<ErrorMessage> unexpected(Exception e) {
    log.error("Unexpected error", e);
    return error(500, 500, "Internal server error: " + e.getClass().getSimpleName());
  }
}
