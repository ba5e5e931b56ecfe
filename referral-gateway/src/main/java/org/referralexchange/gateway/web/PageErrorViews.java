package org.referralexchange.gateway.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorViewResolver;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.ModelAndView;

/**
 * The safety net under {@link PageErrors}: an error that reaches the servlet container's error
 * dispatch from a page path (one no controller handler caught, such as a failure while rendering)
 * is shown as the pages' own message page, never Tomcat's page or a stack trace. Other paths keep
 * Spring Boot's answer (the API's errors are problem details before they get here).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class PageErrorViews implements ErrorViewResolver {

  @Override
  public ModelAndView resolveErrorView(
      HttpServletRequest request, HttpStatus status, Map<String, Object> model) {
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    if (!(uri instanceof String path) || !isPage(path)) {
      return null;
    }
    boolean notFound = status == HttpStatus.NOT_FOUND;
    return new ModelAndView(
        "cases/message",
        Map.of(
            "title",
            notFound ? "Page not found" : "Something went wrong",
            "detail",
            notFound
                ? "There is no such page. Check the address, or find the referral in your list."
                : "The page could not be shown. Please try again."),
        status);
  }

  private static boolean isPage(String path) {
    return path.equals("/referrals")
        || path.startsWith("/referrals/")
        || path.startsWith("/sign-in")
        || path.startsWith("/login/")
        || path.startsWith("/oauth2/");
  }
}
