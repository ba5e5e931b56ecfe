package org.referralexchange.adapter.provider;

/**
 * Where the state a provider's own record shows now goes, when it arrives outside a poll (a FHIR
 * subscription notification naming a Task): the core judges it exactly as a polled report, once per
 * version of the record, and reports a refusal once ({@code RefusalReporter}).
 */
public interface ProviderStateSink {

  /**
   * Judges one report now.
   *
   * @throws ProviderUnavailableException it could not be judged now (the broker or the log not
   *     ready); the caller may ask again, and the next poll will otherwise find it
   */
  void report(ProviderSettings provider, ProviderStatusUpdate update);
}
