package org.referralexchange.adapter.provider.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.Part2Disclosure;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.webhooks.StandardWebhooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers to providers that receive Standard Webhooks: every call is one signed JSON POST to the
 * provider's {@link ProviderSettings#endpoint() endpoint}, signed with its {@link
 * ProviderSettings#secret() secret}. The {@code webhook-id} is derived from the referral, so a
 * redelivery carries the same id and the provider can drop the duplicate. Answers come back through
 * {@link WebhookCallbackController}; {@link #poll} has nothing to ask.
 */
@Component
@ConditionalOnProperty(
    prefix = "exchange.adapters.webhook",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class WebhookProviderAdapter implements ProviderAdapter {

  public static final String KIND = "webhook";

  static final String REFERRAL_REQUESTED = "referral.requested";
  static final String REFERRAL_WITHDRAWN = "referral.withdrawn";
  static final String REFERRAL_REMINDER = "referral.reminder";

  private static final Logger log = LoggerFactory.getLogger(WebhookProviderAdapter.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Set<String> ADDRESS_PARTS =
      Set.of("addressLines", "city", "state", "postalCode");

  private final HttpClient http;
  private final Duration requestTimeout;
  private final Clock clock;
  private final JsonMapper json =
      JsonMapper.builder()
          .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
          .changeDefaultPropertyInclusion(
              incl ->
                  incl.withValueInclusion(JsonInclude.Include.NON_EMPTY)
                      .withContentInclusion(JsonInclude.Include.NON_EMPTY))
          .build();

  /**
   * Five-second connect and request timeouts, the system clock. The client runs its own small
   * asynchronous tasks inline (on its selector thread) instead of handing each to a worker thread:
   * they never block (the body handler is the JDK's {@code ofString}; callers wait in {@code send},
   * not in tasks added to the client's futures), and the hand-offs cost more CPU per webhook than
   * the tasks themselves, as the adapter benchmark's CPU profile showed.
   */
  public WebhookProviderAdapter() {
    this(
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Runnable::run)
            .build(),
        REQUEST_TIMEOUT,
        Clock.systemUTC());
  }

  WebhookProviderAdapter(HttpClient http, Duration requestTimeout, Clock clock) {
    this.http = http;
    this.requestTimeout = requestTimeout;
    this.clock = clock;
  }

  @Override
  public String kind() {
    return KIND;
  }

  /** Its signing secret must be usable: without one no callback of the provider can be checked. */
  @Override
  public List<String> settingsProblems(ProviderSettings provider) {
    try {
      StandardWebhooks.requireUsableSecret(provider.secret());
      return List.of();
    } catch (IllegalArgumentException e) {
      return List.of("its webhook secret is unusable: " + e.getMessage());
    }
  }

  @Override
  public DeliveryReceipt deliver(ProviderSettings provider, OutboundReferral referral) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", REFERRAL_REQUESTED);
    body.put("referral", referralPayload(referral, provider.allowedFields()));
    HttpResponse<String> response =
        post(
            provider,
            "referral-" + referral.referralId(),
            body,
            REFERRAL_REQUESTED,
            referral.referralId());
    return new DeliveryReceipt(referenceIn(response).orElse(referral.referralId()));
  }

  @Override
  public void withdraw(
      ProviderSettings provider, TrackedReferral referral, String reasonCode, String reasonText) {
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("code", reasonCode);
    reason.put("text", reasonText);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", REFERRAL_WITHDRAWN);
    body.put("referralId", referral.referralId());
    body.put("providerReference", referral.providerReference());
    body.put("reason", reason);
    post(
        provider,
        "withdrawn-" + referral.referralId(),
        body,
        REFERRAL_WITHDRAWN,
        referral.referralId());
  }

  @Override
  public void remind(ProviderSettings provider, TrackedReferral referral, Instant respondBy) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", REFERRAL_REMINDER);
    body.put("referralId", referral.referralId());
    body.put("providerReference", referral.providerReference());
    body.put("respondBy", respondBy);
    String id = "reminder-" + referral.referralId() + "-" + respondBy.getEpochSecond();
    post(provider, id, body, REFERRAL_REMINDER, referral.referralId());
  }

  /** Webhook providers call back on {@code POST /providers/{id}/status}; nothing to ask. */
  @Override
  public List<ProviderStatusUpdate> poll(
      ProviderSettings provider, Collection<TrackedReferral> open) {
    return List.of();
  }

  private HttpResponse<String> post(
      ProviderSettings provider, String webhookId, Object payload, String type, String referralId) {
    byte[] body = json.writeValueAsBytes(payload);
    long timestamp = clock.instant().getEpochSecond();
    String signature = StandardWebhooks.sign(webhookId, timestamp, body, secretOf(provider));
    HttpRequest request =
        HttpRequest.newBuilder(provider.endpoint())
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header(StandardWebhooks.ID_HEADER, webhookId)
            .header(StandardWebhooks.TIMESTAMP_HEADER, Long.toString(timestamp))
            .header(StandardWebhooks.SIGNATURE_HEADER, signature)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    String what = type + " for referral " + referralId + " to provider " + provider.id();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderUnavailableException("Interrupted while sending " + what, e);
    } catch (IOException e) {
      // Connection refused, reset, timeout (HttpTimeoutException is an IOException): try later.
      throw new ProviderUnavailableException(
          "Could not send " + what + ": " + e.getClass().getSimpleName(), e);
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      log.info(
          "Provider {} took {} (webhook-id {}, HTTP {})", provider.id(), type, webhookId, status);
      return response;
    }
    String message = "Provider " + provider.id() + " answered HTTP " + status + " to " + what;
    if (status >= 500 || status == 429 || status == 408) {
      throw new ProviderUnavailableException(message, null);
    }
    // Other 4xx, and 3xx: redirects are not followed (configure the final URL); retrying the same
    // request would get the same answer.
    throw new ProviderRejectedException(message, null);
  }

  private static String secretOf(ProviderSettings provider) {
    if (provider.secret() == null || provider.secret().isBlank()) {
      throw new IllegalStateException(
          "Webhook provider " + provider.id() + " has no signing secret configured");
    }
    return provider.secret();
  }

  /** The provider's {@code reference}, when it answered with JSON that has one. */
  private Optional<String> referenceIn(HttpResponse<String> response) {
    String body = response.body();
    if (body == null || body.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode reference = json.readTree(body).path("reference");
      return reference.isString() && !reference.stringValue().isBlank()
          ? Optional.of(reference.stringValue())
          : Optional.empty();
    } catch (JacksonException e) {
      return Optional.empty(); // a 2xx with a non-JSON body is still a delivery
    }
  }

  /**
   * The referral as the provider sees it. The client and the narrative pass the provider's
   * allow-list a second time: the core already blanked what the provider may not see, and this
   * keeps a slip there from reaching the wire. Nulls and empty lists are left out.
   */
  private static Map<String, Object> referralPayload(OutboundReferral r, Set<String> allowed) {
    Set<String> allowList = allowed == null ? Set.of() : allowed;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("referralId", r.referralId());
    m.put("providerId", r.providerId());
    m.put("serviceId", r.serviceId());
    m.put("priority", r.priority());
    m.put("authoredOn", r.authoredOn());
    m.put("respondBy", r.respondBy());
    m.put("requester", r.requester());
    m.put("needs", r.needs());
    if (r.client() != null) {
      m.put("client", clientPayload(r.client(), allowList));
    }
    if (allowList.contains("narrative")) {
      m.put("narrative", r.narrative());
    }
    m.put("contactingSubjectProhibited", r.contactingSubjectProhibited());
    m.put("consentId", r.consentId());
    if (r.part2() != null) {
      m.put("part2", part2Payload(r.part2()));
    }
    return m;
  }

  /**
   * The Part 2 marker, the 42 CFR 2.32 notice and the consent's scope: present only on a referral
   * that carries substance-use-disorder information, so a receiver that sees {@code part2} knows
   * the referral is Part 2.
   */
  private static Map<String, Object> part2Payload(Part2Disclosure part2) {
    Part2Disclosure.Scope scope = part2.scope();
    Map<String, Object> recipients = new LinkedHashMap<>();
    recipients.put("providerIds", scope.recipientProviderIds());
    recipients.put("serviceCategories", scope.recipientServiceCategories());
    if (scope.intermediaryId() != null) {
      recipients.put(
          "intermediary", Map.of("id", scope.intermediaryId(), "name", scope.intermediaryName()));
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("consentId", scope.consentId());
    s.put("recipients", recipients);
    s.put("informationCategories", scope.informationCategories());
    s.put("purpose", scope.purpose());
    s.put("expiresAt", scope.expiresAt());
    s.put("expiryEvent", scope.expiryEvent());
    s.put("summary", scope.summary());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("notice", part2.notice());
    m.put("scope", s);
    return m;
  }

  /**
   * The client's fields that have a value and that the allow-list names. The allow-list names the
   * address as a whole ({@code address}) or by part; the pseudonym is the exchange's own handle,
   * not client data outside it, and always goes.
   */
  private static Map<String, Object> clientPayload(OutboundReferral.Client c, Set<String> allowed) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("givenName", c.givenName());
    all.put("familyName", c.familyName());
    all.put("birthDate", c.birthDate());
    all.put("phone", c.phone());
    all.put("email", c.email());
    all.put("addressLines", c.addressLines());
    all.put("city", c.city());
    all.put("state", c.state());
    all.put("postalCode", c.postalCode());
    all.put("identifiers", c.identifiers());
    all.put("preferredLanguage", c.preferredLanguage());
    Map<String, Object> shown = new LinkedHashMap<>();
    shown.put("pseudonym", c.pseudonym());
    all.forEach(
        (field, value) -> {
          boolean named =
              allowed.contains(field)
                  || (ADDRESS_PARTS.contains(field) && allowed.contains("address"));
          if (value != null && named) {
            shown.put(field, value);
          }
        });
    return shown;
  }
}
