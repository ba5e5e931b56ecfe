package org.referralexchange.adapter.provider.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderUnavailableException;

/**
 * How the adapter talks to a provider's server: one FHIR context (expensive to build), one HAPI
 * client per endpoint and token, and HAPI's failures translated into the provider SPI's.
 */
final class FhirClients {

  private final FhirContext fhir;
  private final ConcurrentMap<ClientKey, IGenericClient> clients = new ConcurrentHashMap<>();

  FhirClients(Duration connectTimeout, Duration socketTimeout) {
    this.fhir = FhirContext.forR4();
    IRestfulClientFactory factory = fhir.getRestfulClientFactory();
    factory.setConnectTimeout(millis(connectTimeout));
    factory.setConnectionRequestTimeout(millis(connectTimeout));
    factory.setSocketTimeout(millis(socketTimeout));
    // No CapabilityStatement fetch before the first call: one request per operation, no surprises.
    factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
  }

  /** The one FHIR context, for parsing what providers send. */
  FhirContext context() {
    return fhir;
  }

  /** The HAPI client for this provider's endpoint and bearer token. */
  IGenericClient client(ProviderSettings provider) {
    if (provider.endpoint() == null) {
      throw new ProviderRejectedException(
          "FHIR provider " + provider.id() + " has no endpoint configured", null);
    }
    String token =
        provider.secret() == null || provider.secret().isBlank() ? null : provider.secret();
    String base = provider.endpoint().toString();
    // A rotated token replaces the client that carried the old one.
    clients
        .keySet()
        .removeIf(key -> key.base().equals(base) && !Objects.equals(key.token(), token));
    return clients.computeIfAbsent(new ClientKey(base, token), this::newClient);
  }

  private IGenericClient newClient(ClientKey key) {
    IGenericClient client = fhir.newRestfulGenericClient(key.base());
    client.setEncoding(EncodingEnum.JSON);
    if (key.token() != null) {
      client.registerInterceptor(new BearerTokenAuthInterceptor(key.token()));
    }
    return client;
  }

  /**
   * Runs one call to the provider and translates HAPI's failures into the SPI's: connection
   * trouble, timeouts, 5xx, 408 and 429 may pass; other 4xx and 3xx will not. The HAPI exception is
   * not kept as the cause, since its message carries the response body.
   */
  static <T> T call(
      ProviderSettings provider, String operation, String referralId, Supplier<T> action) {
    try {
      return action.get();
    } catch (FhirClientConnectionException e) {
      throw new ProviderUnavailableException(
          describe(provider, operation, referralId) + " failed: provider unreachable or too slow",
          transportCause(e));
    } catch (BaseServerResponseException e) {
      int status = e.getStatusCode();
      String message = describe(provider, operation, referralId) + " failed: HTTP " + status;
      // 0 or 2xx here means an answer HAPI could not use (not FHIR): worth another try.
      if (status == 408 || status == 429 || status >= 500 || status < 300) {
        throw new ProviderUnavailableException(message, null);
      }
      throw new ProviderRejectedException(message, null);
    } catch (DataFormatException e) {
      throw new ProviderUnavailableException(
          describe(provider, operation, referralId) + " failed: the answer is not valid FHIR",
          null);
    }
  }

  /** The network-level cause (connection refused, read timed out): safe to keep, no payload. */
  private static Throwable transportCause(Throwable e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof IOException) {
        return cause;
      }
    }
    return null;
  }

  /** What failed, for exception messages: the provider, the operation and the referral id only. */
  static String describe(ProviderSettings provider, String operation, String referralId) {
    if (referralId == null) {
      return "FHIR provider " + provider.id() + ": " + operation;
    }
    return "FHIR provider " + provider.id() + ": " + operation + " of referral " + referralId;
  }

  private static int millis(Duration duration) {
    return Math.toIntExact(duration.toMillis());
  }

  /** One HAPI client per FHIR base and bearer token; a rotated token gets a new client. */
  private record ClientKey(String base, String token) {
    @Override
    public String toString() {
      return "ClientKey[" + base + "]";
    }
  }
}
