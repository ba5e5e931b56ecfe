package org.referralexchange.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.referralexchange.webhooks.StandardWebhooks.Reason;
import org.referralexchange.webhooks.StandardWebhooks.Rejected;
import org.referralexchange.webhooks.StandardWebhooks.Verified;

class StandardWebhooksTests {

  // The test vector of the Standard Webhooks reference libraries (libraries/*/ tests).
  private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long SPEC_TIMESTAMP = 1614265330;
  private static final String SPEC_BODY = "{\"test\": 2432232314}";
  private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  private static final Instant NOW = Instant.parse("2025-03-01T10:15:30Z");
  private static final String SECRET =
      "whsec_"
          + Base64.getEncoder()
              .encodeToString("a-24-byte-or-longer-secret-key".getBytes(StandardCharsets.UTF_8));
  private static final byte[] BODY =
      "{\"referralId\":\"r-1\",\"status\":\"accepted\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void signsTheSpecTestVector() {
    assertThat(StandardWebhooks.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, SPEC_SECRET))
        .isEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void verifiesTheSpecTestVectorAtItsOwnTime() {
    var result =
        StandardWebhooks.verify(
            headers(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE),
            SPEC_BODY.getBytes(StandardCharsets.UTF_8),
            SPEC_SECRET,
            Instant.ofEpochSecond(SPEC_TIMESTAMP + 60));

    assertThat(result).isEqualTo(new Verified(SPEC_ID, Instant.ofEpochSecond(SPEC_TIMESTAMP)));
  }

  @Test
  void verifiesWhatItSigned() {
    String signature = StandardWebhooks.sign("wh-1", NOW.getEpochSecond(), BODY, SECRET);

    assertThat(verify("wh-1", NOW.getEpochSecond(), signature, BODY, SECRET, NOW))
        .isInstanceOf(Verified.class);
  }

  @Test
  void usesAnUnprefixedSecretAsItsUtf8Bytes() throws Exception {
    String raw = "plain-shared-secret";
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(raw.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] expected =
        mac.doFinal(
            ("wh-1." + NOW.getEpochSecond() + ".")
                .concat(new String(BODY, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));

    String signature = StandardWebhooks.sign("wh-1", NOW.getEpochSecond(), BODY, raw);

    assertThat(signature).isEqualTo("v1," + Base64.getEncoder().encodeToString(expected));
    assertThat(verify("wh-1", NOW.getEpochSecond(), signature, BODY, raw, NOW))
        .isInstanceOf(Verified.class);
  }

  @Test
  void decodesAWhsecSecretRatherThanUsingItsCharacters() {
    String signature = StandardWebhooks.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, SPEC_SECRET);
    String withBareBase64AsText =
        StandardWebhooks.sign(
            SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

    assertThat(signature).isEqualTo(SPEC_SIGNATURE);
    assertThat(withBareBase64AsText).isNotEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void rejectsATamperedBody() {
    String signature = StandardWebhooks.sign("wh-1", NOW.getEpochSecond(), BODY, SECRET);
    byte[] tampered =
        "{\"referralId\":\"r-1\",\"status\":\"rejected\"}".getBytes(StandardCharsets.UTF_8);

    assertThat(verify("wh-1", NOW.getEpochSecond(), signature, tampered, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  @Test
  void rejectsAChangedIdOrTimestamp() {
    long ts = NOW.getEpochSecond();
    String signature = StandardWebhooks.sign("wh-1", ts, BODY, SECRET);

    assertThat(verify("wh-2", ts, signature, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
    assertThat(verify("wh-1", ts - 1, signature, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  @Test
  void rejectsASignatureMadeWithAnotherSecret() {
    String other = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    String signature = StandardWebhooks.sign("wh-1", NOW.getEpochSecond(), BODY, other);

    assertThat(verify("wh-1", NOW.getEpochSecond(), signature, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  @Test
  void rejectsATimestampMoreThanFiveMinutesOld() {
    long ts = NOW.minusSeconds(5 * 60 + 1).getEpochSecond();
    String signature = StandardWebhooks.sign("wh-1", ts, BODY, SECRET);

    assertThat(verify("wh-1", ts, signature, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.STALE_TIMESTAMP));
  }

  @Test
  void rejectsATimestampMoreThanFiveMinutesAhead() {
    long ts = NOW.plusSeconds(5 * 60 + 1).getEpochSecond();
    String signature = StandardWebhooks.sign("wh-1", ts, BODY, SECRET);

    assertThat(verify("wh-1", ts, signature, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.FUTURE_TIMESTAMP));
  }

  @Test
  void acceptsTimestampsExactlyAtTheTolerance() {
    for (long ts : new long[] {NOW.getEpochSecond() - 300, NOW.getEpochSecond() + 300}) {
      String signature = StandardWebhooks.sign("wh-1", ts, BODY, SECRET);

      assertThat(verify("wh-1", ts, signature, BODY, SECRET, NOW))
          .as("timestamp %d", ts)
          .isInstanceOf(Verified.class);
    }
  }

  @Test
  void reportsABadSignatureBeforeAStaleTimestamp() {
    long ts = NOW.minusSeconds(3600).getEpochSecond();

    assertThat(verify("wh-1", ts, "v1,AAAA", BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  @Test
  void acceptsOneValidSignatureAmongSeveral() {
    long ts = NOW.getEpochSecond();
    String valid = StandardWebhooks.sign("wh-1", ts, BODY, SECRET);
    String header =
        String.join(
            " ",
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
            "v1,not*base64",
            "nocomma",
            valid);

    assertThat(verify("wh-1", ts, header, BODY, SECRET, NOW)).isInstanceOf(Verified.class);
  }

  @Test
  void rejectsSeveralSignaturesWhenNoneMatches() {
    String header =
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    assertThat(verify("wh-1", NOW.getEpochSecond(), header, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  @Test
  void ignoresTheSameSignatureUnderAnotherVersion() {
    long ts = NOW.getEpochSecond();
    String base64 = StandardWebhooks.sign("wh-1", ts, BODY, SECRET).substring(3);

    assertThat(verify("wh-1", ts, "v2," + base64, BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  @Test
  void rejectsMissingOrMalformedHeaders() {
    long ts = NOW.getEpochSecond();
    String signature = StandardWebhooks.sign("wh-1", ts, BODY, SECRET);
    String stamp = Long.toString(ts);

    assertThat(StandardWebhooks.verify(headers(null, stamp, signature), BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.MISSING_HEADERS));
    assertThat(StandardWebhooks.verify(headers("wh-1", null, signature), BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.MISSING_HEADERS));
    assertThat(StandardWebhooks.verify(headers("wh-1", stamp, null), BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.MISSING_HEADERS));
    assertThat(StandardWebhooks.verify(headers("wh-1", "yesterday", signature), BODY, SECRET, NOW))
        .isEqualTo(new Rejected(Reason.MISSING_HEADERS));
  }

  @Test
  void matchesHeaderNamesWhateverTheirCase() {
    long ts = NOW.getEpochSecond();
    Map<String, String> headers =
        Map.of(
            "Webhook-Id", "wh-1",
            "WEBHOOK-TIMESTAMP", Long.toString(ts),
            "Webhook-Signature", StandardWebhooks.sign("wh-1", ts, BODY, SECRET));

    assertThat(StandardWebhooks.verify(headers, BODY, SECRET, NOW)).isInstanceOf(Verified.class);
  }

  @Test
  void refusesUnusableSecretsWithoutEchoingThem() {
    assertThatThrownBy(() -> StandardWebhooks.requireUsableSecret("whsec_%%%not-base64%%%"))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("not-base64");
    assertThatThrownBy(() -> StandardWebhooks.requireUsableSecret(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StandardWebhooks.requireUsableSecret("whsec_"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static StandardWebhooks.Verification verify(
      String id, long ts, String signature, byte[] body, String secret, Instant now) {
    return StandardWebhooks.verify(headers(id, Long.toString(ts), signature), body, secret, now);
  }

  private static Map<String, String> headers(String id, String timestamp, String signature) {
    Map<String, String> headers = new HashMap<>();
    if (id != null) {
      headers.put(StandardWebhooks.ID_HEADER, id);
    }
    if (timestamp != null) {
      headers.put(StandardWebhooks.TIMESTAMP_HEADER, timestamp);
    }
    if (signature != null) {
      headers.put(StandardWebhooks.SIGNATURE_HEADER, signature);
    }
    return headers;
  }
}
