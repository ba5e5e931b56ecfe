package org.referralexchange.gateway.consent;

import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A test seam for the crash test: with {@code gateway.testing.hang-after-consent-ended=true} the
 * request that published {@code ConsentRevoked} or {@code ConsentExpired} never returns, so a test
 * can kill the process with SIGKILL right between that publish and anything the gateway would do
 * next. Off by default; nothing but local-exchange's {@code RevocationCrashTests} turns it on.
 */
@Component
class AfterConsentEnded {

  private static final Logger log = LoggerFactory.getLogger(AfterConsentEnded.class);

  private final boolean hang;

  AfterConsentEnded(@Value("${gateway.testing.hang-after-consent-ended:false}") boolean hang) {
    this.hang = hang;
  }

  void published(SpecificRecord event) {
    if (!hang) {
      return;
    }
    log.warn(
        "{} published; hanging until killed (gateway.testing.hang-after-consent-ended)",
        event.getSchema().getName());
    try {
      new java.util.concurrent.CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
