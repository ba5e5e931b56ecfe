package org.referralexchange.demo.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WebhookSignaturesTests {

  // The example in the Standard Webhooks reference libraries' tests.
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long TIMESTAMP = 1614265330;
  private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  private static final Instant THEN = Instant.ofEpochSecond(TIMESTAMP);

  @Test
  void signsAsTheStandardWebhooksReferenceDoes() {
    assertThat(WebhookSignatures.sign(ID, TIMESTAMP, BODY, SECRET)).isEqualTo(SIGNATURE);
  }

  @Test
  void verifiesAValidSignatureAmongOthers() {
    assertThat(WebhookSignatures.verify(ID, "1614265330", SIGNATURE, BODY, SECRET, THEN)).isTrue();
    assertThat(
            WebhookSignatures.verify(
                ID, "1614265330", "v1,bm90IGl0 v2,xyz " + SIGNATURE, BODY, SECRET, THEN))
        .isTrue();
  }

  @Test
  void refusesAnotherBodyIdSecretOrAMalformedHeader() {
    byte[] other = "{\"test\": 1}".getBytes(StandardCharsets.UTF_8);
    assertThat(WebhookSignatures.verify(ID, "1614265330", SIGNATURE, other, SECRET, THEN))
        .isFalse();
    assertThat(WebhookSignatures.verify("msg_other", "1614265330", SIGNATURE, BODY, SECRET, THEN))
        .isFalse();
    assertThat(
            WebhookSignatures.verify(
                ID, "1614265330", SIGNATURE, BODY, "whsec_c2VjcmV0LXR3bw==", THEN))
        .isFalse();
    assertThat(WebhookSignatures.verify(ID, "soon", SIGNATURE, BODY, SECRET, THEN)).isFalse();
    assertThat(WebhookSignatures.verify(ID, "1614265330", "v1,%%%", BODY, SECRET, THEN)).isFalse();
    assertThat(WebhookSignatures.verify(null, "1614265330", SIGNATURE, BODY, SECRET, THEN))
        .isFalse();
  }

  @Test
  void refusesATimestampMoreThanFiveMinutesOff() {
    assertThat(
            WebhookSignatures.verify(
                ID, "1614265330", SIGNATURE, BODY, SECRET, THEN.plusSeconds(301)))
        .isFalse();
    assertThat(
            WebhookSignatures.verify(
                ID, "1614265330", SIGNATURE, BODY, SECRET, THEN.minusSeconds(301)))
        .isFalse();
    assertThat(
            WebhookSignatures.verify(
                ID, "1614265330", SIGNATURE, BODY, SECRET, THEN.plusSeconds(299)))
        .isTrue();
  }

  @Test
  void aSecretWithoutThePrefixIsItsOwnBytes() {
    String signature = WebhookSignatures.sign(ID, TIMESTAMP, BODY, "plain-secret");
    assertThat(WebhookSignatures.verify(ID, "1614265330", signature, BODY, "plain-secret", THEN))
        .isTrue();
    assertThat(signature).isNotEqualTo(WebhookSignatures.sign(ID, TIMESTAMP, BODY, SECRET));
  }
}
