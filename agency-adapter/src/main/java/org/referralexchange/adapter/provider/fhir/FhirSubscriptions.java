package org.referralexchange.adapter.provider.fhir;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.PublicAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Subscribes to FHIR providers' Tasks where their server offers it, so their answers arrive when
 * they are made rather than at the next poll. Polling goes on unchanged beside it: a notification
 * lost, a server that drops the Subscription, or one that never offered any, are all covered by the
 * poll.
 *
 * <p>A provider offers it when its CapabilityStatement lists {@code Subscription} and names the
 * Gravity SDOHCC Task topic in the Subscriptions R5 Backport IG's {@code
 * capabilitystatement-subscriptiontopic-canonical} extension. The adapter then keeps one {@code
 * Subscription} there (found by its endpoint before one is made, so restarts and other instances
 * make no duplicates): criteria the topic, a {@code backport-filter-criteria} on the provider's own
 * Organization (or on referral Tasks, {@code code=fulfill}, when none is configured), channel
 * {@code rest-hook} to {@code <adapter.public-base-url>/fhir/notifications/<providerId>}, payload
 * {@code application/fhir+json} with {@code id-only} content, and a random bearer secret in {@code
 * channel.header} that the notification endpoint requires. The secrets are read back from the
 * provider's own Subscriptions at each check, so every instance accepts the notifications of any.
 *
 * <p>Checks run at start, then every {@code check-interval}, or {@code retry-interval} after one
 * failed, on a thread of their own (never the scheduler's). A provider that offers nothing is
 * polled only, which is logged once.
 */
@Component
@ConditionalOnProperty(
    prefix = "exchange.adapters.fhir",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class FhirSubscriptions {

  static final String TASK_TOPIC =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task";
  static final String BACKPORT =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
  static final String TOPIC_CANONICAL =
      BACKPORT + "capabilitystatement-subscriptiontopic-canonical";
  static final String SUBSCRIPTION_PROFILE = BACKPORT + "backport-subscription";
  static final String FILTER_CRITERIA = BACKPORT + "backport-filter-criteria";
  static final String PAYLOAD_CONTENT = BACKPORT + "backport-payload-content";
  static final String NOTIFICATION_PATH = "/fhir/notifications/";
  private static final String BEARER = "Authorization: Bearer ";

  private static final Logger log = LoggerFactory.getLogger(FhirSubscriptions.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a provider's server was last found to offer. */
  enum Mode {
    UNKNOWN,
    SUBSCRIBED,
    POLLING_ONLY
  }

  /** One provider's subscription, as last checked. */
  private static final class State {
    volatile Mode mode = Mode.UNKNOWN;
    volatile Set<String> secrets = Set.of();
    volatile Instant nextCheck = Instant.MIN;
  }

  private final FhirProviderAdapter fhir;
  private final FhirProviders providers;
  private final FhirSubscriptionProperties properties;
  private final PublicAddress address;
  private final Environment environment;
  private final Clock clock;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final ExecutorService checker =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "fhir-subscriptions");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicBoolean checking = new AtomicBoolean();

  FhirSubscriptions(
      FhirProviderAdapter fhir,
      FhirProviders providers,
      FhirSubscriptionProperties properties,
      PublicAddress address,
      Environment environment,
      Clock clock) {
    this.fhir = fhir;
    this.providers = providers;
    this.properties = properties;
    this.address = address;
    this.environment = environment;
    this.clock = clock;
  }

  @PreDestroy
  void stop() {
    checker.shutdownNow();
  }

  /** Hands the due checks to the checking thread; a run still going is not doubled. */
  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  public void tick() {
    if (!properties.enabled() || notificationBase() == null) {
      return; // off, or the web server is not listening yet
    }
    if (checking.compareAndSet(false, true)) {
      try {
        checker.execute(
            () -> {
              try {
                checkDue();
              } finally {
                checking.set(false);
              }
            });
      } catch (RuntimeException rejected) {
        checking.set(false); // shutting down
      }
    }
  }

  private void checkDue() {
    Instant now = clock.instant();
    for (ProviderSettings provider : providers.fhirProviders()) {
      if (!properties.appliesTo(provider.id())) {
        continue;
      }
      State state = state(provider.id());
      if (now.isBefore(state.nextCheck)) {
        continue;
      }
      boolean done = check(provider, state);
      state.nextCheck = now.plus(done ? properties.checkInterval() : properties.retryInterval());
    }
  }

  /** One check of one provider; false when it failed and should be tried again soon. */
  private boolean check(ProviderSettings provider, State state) {
    IGenericClient client = fhir.clientFor(provider);
    String endpoint = notificationBase() + provider.id();
    try {
      CapabilityStatement capabilities =
          client.capabilities().ofType(CapabilityStatement.class).execute();
      if (!offersTaskTopic(capabilities)) {
        if (state.mode != Mode.POLLING_ONLY) {
          log.info(
              "FHIR provider {} offers no topic-based subscriptions to Tasks; polling only",
              provider.id());
        }
        state.mode = Mode.POLLING_ONLY;
        state.secrets = Set.of();
        return true;
      }
      Bundle found =
          client
              .search()
              .forResource(Subscription.class)
              .where(Subscription.URL.matches().value(endpoint))
              .returnBundle(Bundle.class)
              .execute();
      Set<String> secrets = new HashSet<>();
      boolean usable = false;
      for (Bundle.BundleEntryComponent entry : found.getEntry()) {
        if (!(entry.getResource() instanceof Subscription subscription)
            || !TASK_TOPIC.equals(subscription.getCriteria())
            || !endpoint.equals(subscription.getChannel().getEndpoint())) {
          continue;
        }
        String secret = secret(subscription);
        if (secret == null) {
          continue; // not one of ours: it carries no secret of ours
        }
        secrets.add(secret);
        Subscription.SubscriptionStatus status = subscription.getStatus();
        if (status == Subscription.SubscriptionStatus.ERROR
            || status == Subscription.SubscriptionStatus.OFF) {
          // The server gave up on it (our endpoint was down): ask for it again.
          subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
          state.secrets = Set.copyOf(secrets);
          client.update().resource(subscription).execute();
          log.info(
              "Asked FHIR provider {} to resume Subscription/{}",
              provider.id(),
              subscription.getIdElement().getIdPart());
        }
        usable = true;
      }
      if (!usable) {
        String secret = newSecret();
        secrets.add(secret);
        // Known before the server shakes hands with the endpoint.
        state.secrets = Set.copyOf(secrets);
        var outcome = client.create().resource(subscription(provider, endpoint, secret)).execute();
        log.info(
            "Subscribed to Task changes at FHIR provider {} ({})",
            provider.id(),
            outcome.getId() == null
                ? "no id returned"
                : outcome.getId().toUnqualifiedVersionless());
      }
      state.secrets = Set.copyOf(secrets);
      state.mode = Mode.SUBSCRIBED;
      return true;
    } catch (BaseServerResponseException e) {
      boolean refused = e.getStatusCode() >= 400 && e.getStatusCode() < 500;
      if (refused && state.mode != Mode.POLLING_ONLY) {
        log.warn(
            "FHIR provider {} refused our Subscription (HTTP {}); polling only",
            provider.id(),
            e.getStatusCode());
        state.mode = Mode.POLLING_ONLY;
      } else if (!refused) {
        log.info(
            "Subscription check of FHIR provider {} failed: HTTP {}",
            provider.id(),
            e.getStatusCode());
      }
      return refused;
    } catch (DataFormatException e) {
      log.info(
          "Subscription check of FHIR provider {} failed: unreachable or not FHIR", provider.id());
      return false;
    } catch (RuntimeException e) {
      log.warn("Subscription check of FHIR provider {} failed", provider.id(), e);
      return false;
    }
  }

  /** The Subscription the adapter asks a provider for. */
  static Subscription subscription(ProviderSettings provider, String endpoint, String secret) {
    Subscription subscription = new Subscription();
    subscription.getMeta().addProfile(SUBSCRIPTION_PROFILE);
    subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
    subscription.setReason("Referral exchange: answers to the referrals it sent");
    subscription.setCriteria(TASK_TOPIC);
    String filter =
        provider.organization() != null
            ? "Task?owner=" + provider.organization()
            : "Task?code=" + FhirCodes.TASK_CODE + "|" + FhirCodes.FULFILL;
    subscription.getCriteriaElement().addExtension(FILTER_CRITERIA, new StringType(filter));
    Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
    channel.setType(Subscription.SubscriptionChannelType.RESTHOOK);
    channel.setEndpoint(endpoint);
    channel.setPayload("application/fhir+json");
    channel.getPayloadElement().addExtension(PAYLOAD_CONTENT, new CodeType("id-only"));
    channel.addHeader(BEARER + secret);
    return subscription;
  }

  /** Whether the CapabilityStatement offers Subscription and the SDOHCC Task topic. */
  static boolean offersTaskTopic(CapabilityStatement capabilities) {
    boolean subscriptions = false;
    boolean topic = false;
    for (var rest : capabilities.getRest()) {
      for (var resource : rest.getResource()) {
        subscriptions |= "Subscription".equals(resource.getType());
        topic |=
            resource.getExtensionsByUrl(TOPIC_CANONICAL).stream()
                .anyMatch(
                    e -> e.getValue() != null && TASK_TOPIC.equals(e.getValue().primitiveValue()));
      }
    }
    return subscriptions && topic;
  }

  /** Whether notifications for this provider are taken at all (known, fhir, switched on). */
  boolean serves(String providerId) {
    return properties.appliesTo(providerId) && providers.fhirProvider(providerId).isPresent();
  }

  /**
   * Whether {@code authorization} carries a secret of one of this provider's Subscriptions,
   * compared in constant time (digests of equal length, every secret looked at).
   */
  boolean authorized(String providerId, String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    byte[] offered = digest(authorization.substring("Bearer ".length()).trim());
    boolean match = false;
    for (String secret : state(providerId).secrets) {
      match |= MessageDigest.isEqual(offered, digest(secret));
    }
    return match;
  }

  private State state(String providerId) {
    return states.computeIfAbsent(providerId, id -> new State());
  }

  /** {@code <public base>/fhir/notifications/}, or null while the listening port is unknown. */
  private String notificationBase() {
    URI base = address.publicBaseUrl();
    String text = base.toString().replaceAll("/+$", "");
    if (base.getPort() == 0) {
      String port = environment.getProperty("local.server.port");
      if (port == null) {
        return null;
      }
      text = text.replaceFirst(":0(?=/|$)", ":" + port);
    }
    return text + NOTIFICATION_PATH;
  }

  private static String secret(Subscription subscription) {
    return subscription.getChannel().getHeader().stream()
        .map(StringType::getValue)
        .filter(header -> header != null && header.startsWith(BEARER))
        .map(header -> header.substring(BEARER.length()).trim())
        .findFirst()
        .orElse(null);
  }

  private static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] digest(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
