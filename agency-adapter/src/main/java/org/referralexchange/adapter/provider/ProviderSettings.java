package org.referralexchange.adapter.provider;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;

/**
 * One provider as configured ({@code exchange.providers[]}).
 *
 * @param id exchange identifier of the provider (HSDS organization)
 * @param name display name
 * @param kind which {@link ProviderAdapter} serves it
 * @param endpoint base URL of its system (FHIR base, webhook URL)
 * @param secret credential: the webhook signing secret, or a bearer token for FHIR; never logged
 * @param allowedFields the client fields this provider may receive (minimum necessary), by the
 *     names in {@link OutboundReferral.Client}
 * @param zone the provider's time zone
 * @param opensAt start of its business day
 * @param closesAt end of its business day
 * @param responseWindow how much business time it has to answer a referral with no respondBy
 * @param grace how long after respondBy (business time) before the referral is returned
 * @param pollInterval how often a pull-based provider is asked for news
 * @param enabled whether referrals are delivered to it
 */
public record ProviderSettings(
    String id,
    String name,
    String kind,
    URI endpoint,
    String secret,
    Set<String> allowedFields,
    ZoneId zone,
    LocalTime opensAt,
    LocalTime closesAt,
    Duration responseWindow,
    Duration grace,
    Duration pollInterval,
    boolean enabled) {

  @Override
  public String toString() {
    return "ProviderSettings[" + id + ", " + kind + ", " + endpoint + "]";
  }
}
