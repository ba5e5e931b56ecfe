package org.referralexchange.gateway.web;

import jakarta.servlet.http.HttpServletResponse;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.SchemaUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.ui.Model;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Failures of the pages' controllers as pages: the same refusals as the API's problem details, in
 * words, with the right status, and never a stack trace. Handlers declared on the controllers
 * themselves take precedence over the API's {@code @RestControllerAdvice}, which answers JSON.
 * Nothing the request carried is echoed back.
 */
abstract class PageErrors {

  private static final Logger log = LoggerFactory.getLogger(PageErrors.class);

  @ExceptionHandler(GatewayProblem.class)
  String problem(GatewayProblem problem, Model model, HttpServletResponse response) {
    if (problem.getStatusCode().value() == HttpStatus.NOT_FOUND.value()) {
      return notFound(model, response);
    }
    response.setStatus(problem.getStatusCode().value());
    problem
        .getHeaders()
        .forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
    return message(model, problem.title(), problem.detail());
  }

  @ExceptionHandler({
    MethodArgumentTypeMismatchException.class,
    MissingServletRequestParameterException.class
  })
  String badRequest(Exception e, Model model, HttpServletResponse response) {
    response.setStatus(HttpStatus.BAD_REQUEST.value());
    return message(
        model,
        "This request could not be read",
        "A value in the address or the form is missing or not one the page offers.");
  }

  @ExceptionHandler({BrokerUnavailableException.class, SchemaUnavailableException.class})
  String unavailable(Exception e, Model model, HttpServletResponse response) {
    response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
    response.setHeader("Retry-After", "5");
    return message(
        model, "The exchange is busy", "Nothing was changed. Please try again in a moment.");
  }

  @ExceptionHandler(Exception.class)
  String unexpected(Exception e, Model model, HttpServletResponse response) {
    // The class only: a message may carry what the request held.
    log.error("Page failed: {}", e.getClass().getName());
    response.setStatus(HttpStatus.INTERNAL_SERVER_ERROR.value());
    return message(
        model,
        "Something went wrong",
        "The page could not be shown. Nothing was changed by it. Please try again.");
  }

  /** The one answer for a referral that does not exist and one of another agency. */
  static String notFound(Model model, HttpServletResponse response) {
    response.setStatus(HttpStatus.NOT_FOUND.value());
    model.addAttribute("title", "Referral not found");
    model.addAttribute(
        "detail",
        "There is no such referral, or it is not one your agency can see. Check the link, or"
            + " find the referral in your list.");
    model.addAttribute("notFound", true);
    return "cases/message";
  }

  static String message(Model model, String title, String detail) {
    model.addAttribute("title", title);
    model.addAttribute("detail", detail);
    return "cases/message";
  }
}
