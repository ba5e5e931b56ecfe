package org.referralexchange.local;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.referralexchange.demo.DemoAnswers;
import org.referralexchange.demo.fhir.DemoFhirProvider;
import org.referralexchange.demo.webhook.DemoWebhookProvider;

/**
 * The two demo providers the adapter's file names: Northside Food Bank, a webhook provider, and
 * Riverside Housing Program, a FHIR R4 server. Each answers a referral by itself after a short
 * delay, as {@link DemoAnswers} decides from the words in its narrative.
 */
final class DemoProvidersComponent implements LocalComponent {

  static final String WEBHOOK_PROVIDER_ID = "northside-food-bank";
  static final String FHIR_PROVIDER_ID = "riverside-housing";

  /**
   * The webhook secret the demo provider and the adapter share; the adapter's own local default, so
   * the adapter also accepts the provider's callbacks when run on its own. Not a secret.
   */
  static final String WEBHOOK_SECRET = "whsec_bG9jYWwtb25seS1ub3J0aHNpZGUtc2VjcmV0";

  /**
   * @param webhookPort the webhook provider's port, 0 for any free one
   * @param fhirPort the FHIR provider's port, 0 for any free one
   * @param answerDelay how long each provider takes to answer
   */
  record Settings(int webhookPort, int fhirPort, Duration answerDelay) {}

  private final Settings settings;
  private final Supplier<String> adapterUrl;
  private DemoWebhookProvider webhook;
  private DemoFhirProvider fhir;

  /**
   * @param adapterUrl the adapter's base URL, asked for when the webhook provider calls back (the
   *     adapter starts after the providers)
   */
  DemoProvidersComponent(Settings settings, Supplier<String> adapterUrl) {
    this.settings = settings;
    this.adapterUrl = adapterUrl;
  }

  @Override
  public String name() {
    return "demo-providers";
  }

  @Override
  public synchronized void start() throws Exception {
    if (webhook != null) {
      throw new IllegalStateException("Demo providers already started");
    }
    DemoAnswers answers = new DemoAnswers(settings.answerDelay());
    try {
      webhook =
          DemoWebhookProvider.start(
              settings.webhookPort(), WEBHOOK_PROVIDER_ID, WEBHOOK_SECRET, adapterUrl, answers);
      fhir = DemoFhirProvider.start(settings.fhirPort(), answers);
    } catch (Exception e) {
      stop();
      throw new LocalStartupException(
          "Demo providers cannot start ("
              + e.getMessage()
              + "). Choose other ports with --"
              + LocalSettings.WEBHOOK_PROVIDER_PORT
              + "=<port> and --"
              + LocalSettings.FHIR_PROVIDER_PORT
              + "=<port>.",
          e);
    }
  }

  @Override
  public synchronized void stop() {
    if (fhir != null) {
      try {
        fhir.close();
      } catch (Exception e) {
        System.err.println("[local-exchange] Demo FHIR provider did not stop cleanly: " + e);
      }
      fhir = null;
    }
    if (webhook != null) {
      try {
        webhook.close();
      } catch (Exception e) {
        System.err.println("[local-exchange] Demo webhook provider did not stop cleanly: " + e);
      }
      webhook = null;
    }
  }

  synchronized String webhookEndpoint() {
    if (webhook == null) {
      throw new IllegalStateException("Demo providers are not running");
    }
    return webhook.endpoint();
  }

  synchronized String fhirBaseUrl() {
    if (fhir == null) {
      throw new IllegalStateException("Demo providers are not running");
    }
    return fhir.baseUrl();
  }

  synchronized DemoWebhookProvider webhook() {
    return webhook;
  }

  synchronized DemoFhirProvider fhir() {
    return fhir;
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Demo webhook provider (" + WEBHOOK_PROVIDER_ID + ")", webhookEndpoint());
    lines.put("Demo FHIR provider (" + FHIR_PROVIDER_ID + ")", fhirBaseUrl());
    lines.put(
        "Demo answers",
        "after "
            + settings.answerDelay().toSeconds()
            + " s: accepted; narrative with 'decline': declined; 'complete': accepted, then"
            + " completed with a cost; 'silent': no answer");
    return lines;
  }
}
