package org.referralexchange.gateway.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The sign-in page: the identity provider(s) configured for {@code oauth2Login}, and, in the local
 * run only, the demo agencies' case managers. Signing in itself is Spring Security's (the filters
 * handle {@code /oauth2/authorization/*}, {@code /login/oauth2/code/*} and {@code /sign-in/demo}).
 */
@Controller
@Hidden
class SignInController extends PageErrors {

  static final String DEMO_PATH = "/sign-in/demo";
  static final String REFUSED_PATH = "/sign-in/refused";

  /** An identity provider to sign in with: its link and name. */
  record Provider(String registrationId, String href, String name) {}

  /** A demo case manager to sign in as. */
  record Demo(String id, String name, String agencyName) {}

  private final WebProperties web;
  private final GatewayProperties gateway;
  private final ObjectProvider<ClientRegistrationRepository> registrations;

  SignInController(
      WebProperties web,
      GatewayProperties gateway,
      ObjectProvider<ClientRegistrationRepository> registrations) {
    this.web = web;
    this.gateway = gateway;
    this.registrations = registrations;
  }

  @GetMapping("/sign-in")
  String signIn(
      @RequestParam(required = false) String expired,
      @RequestParam(required = false) String refused,
      @RequestParam(name = "signed-out", required = false) String signedOut,
      Model model) {
    model.addAttribute("expired", expired != null);
    model.addAttribute("refused", refused != null);
    model.addAttribute("signedOut", signedOut != null);
    model.addAttribute("providers", providers());
    List<Demo> demo = new ArrayList<>();
    if (web.demoSignIn().enabled()) {
      for (WebProperties.DemoStaff staff : web.demoSignIn().staff()) {
        gateway
            .agency(staff.agencyId())
            .ifPresent(a -> demo.add(new Demo(staff.id(), staff.name(), a.name())));
      }
    }
    model.addAttribute("demo", demo);
    return "cases/sign-in";
  }

  /** Reached only when the demo sign-in is off (otherwise its filter answers first). */
  @PostMapping(DEMO_PATH)
  String demoOff(Model model, HttpServletResponse response) {
    return notFound(model, response);
  }

  /** Where a refused form is forwarded (see {@link PagesSecurityConfiguration}). */
  @RequestMapping(REFUSED_PATH)
  String refused(Model model, HttpServletResponse response) {
    response.setStatus(HttpServletResponse.SC_FORBIDDEN);
    model.addAttribute("title", "This form can no longer be sent");
    model.addAttribute(
        "detail",
        "Your session may have expired, or the form did not come from this site. Nothing was"
            + " changed. Open the page again and repeat the action.");
    return "cases/message";
  }

  /** Any other path under /sign-in: a page, not the API's JSON. */
  @RequestMapping("/sign-in/**")
  String unknown(Model model, HttpServletResponse response) {
    response.setStatus(HttpServletResponse.SC_NOT_FOUND);
    return message(
        model, "Page not found", "There is no such page. Open the sign-in page and start again.");
  }

  private List<Provider> providers() {
    ClientRegistrationRepository repository = registrations.getIfAvailable();
    // Spring Boot's repository (in memory) is iterable; another kind lists no links here.
    if (!(repository instanceof Iterable<?> all)) {
      return List.of();
    }
    return StreamSupport.stream(all.spliterator(), false)
        .filter(ClientRegistration.class::isInstance)
        .map(ClientRegistration.class::cast)
        .map(
            r ->
                new Provider(
                    r.getRegistrationId(),
                    "/oauth2/authorization/" + r.getRegistrationId(),
                    r.getClientName() == null ? r.getRegistrationId() : r.getClientName()))
        .toList();
  }
}
