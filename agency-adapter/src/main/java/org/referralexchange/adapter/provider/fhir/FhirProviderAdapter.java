package org.referralexchange.adapter.provider.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The {@code fhir} provider kind: a provider that runs a FHIR R4 server receives each referral as a
 * Gravity SDOHCC ServiceRequest + Task (one transaction of conditional creates, so redelivery
 * creates nothing new) and answers by updating the Task, which {@link #poll} reads back.
 *
 * <p>Each operation is one collaborator's job ({@link ReferralDelivery}, {@link
 * ReferralWithdrawal}, {@link TaskReminders}, {@link TaskPolling}) over {@link FhirClients}. Log
 * lines and exception messages name the provider, the referral id and the HTTP status only: never a
 * response body, which may echo client data.
 */
@Component
@ConditionalOnProperty(
    prefix = "exchange.adapters.fhir",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class FhirProviderAdapter implements ProviderAdapter {

  static final String KIND = "fhir";

  /** A slow provider fails fast; the core's retry takes over. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);

  private final FhirClients clients;
  private final ReferralDelivery delivery = new ReferralDelivery();
  private final TaskPolling polling;

  public FhirProviderAdapter() {
    this(CONNECT_TIMEOUT, SOCKET_TIMEOUT);
  }

  FhirProviderAdapter(Duration connectTimeout, Duration socketTimeout) {
    this(connectTimeout, socketTimeout, PollWindow.OVERLAP);
  }

  FhirProviderAdapter(Duration connectTimeout, Duration socketTimeout, Duration overlap) {
    this.clients = new FhirClients(connectTimeout, socketTimeout);
    this.polling = new TaskPolling(clients, overlap);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public DeliveryReceipt deliver(ProviderSettings provider, OutboundReferral referral) {
    return delivery.deliver(provider, clients.client(provider), referral);
  }

  @Override
  public void withdraw(
      ProviderSettings provider, TrackedReferral referral, String reasonCode, String reasonText) {
    ReferralWithdrawal.withdraw(
        provider, clients.client(provider), referral, reasonCode, reasonText);
  }

  @Override
  public void remind(ProviderSettings provider, TrackedReferral referral, Instant respondBy) {
    TaskReminders.remind(provider, clients.client(provider), referral, respondBy);
  }

  @Override
  public List<ProviderStatusUpdate> poll(
      ProviderSettings provider, Collection<TrackedReferral> open) {
    return polling.poll(provider, open);
  }

  /** What a Task reports, read as a poll reads it (see {@link TaskPolling#read}). */
  ProviderStatusUpdate read(
      ProviderSettings provider, IGenericClient client, String referralId, Task task) {
    return polling.read(provider, client, referralId, task);
  }

  /** The HAPI client for this provider (endpoint and bearer token), for the subscription side. */
  IGenericClient clientFor(ProviderSettings provider) {
    return clients.client(provider);
  }

  /** The one FHIR context, for parsing what providers send. */
  FhirContext context() {
    return clients.context();
  }
}
