package org.referralexchange.adapter.provider.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class IntakeLinksTests {

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private final IntakeLinks links =
      new IntakeLinks(
          new IntakeProperties(
              "test-only-intake-link-secret-0123456789abcdef",
              Duration.ofDays(7),
              "referrals@exchange.example"),
          Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC));

  @Test
  void theIssuedTokenOpensItsReferralForItsProvider() {
    String token = links.issue("community-pantry", "ref-1", Duration.ofDays(7));

    assertThat(links.verify(token))
        .isInstanceOfSatisfying(
            IntakeLinks.Verification.Valid.class,
            valid -> {
              assertThat(valid.link().providerId()).isEqualTo("community-pantry");
              assertThat(valid.link().referralId()).isEqualTo("ref-1");
            });
  }

  /**
   * A 32-byte MAC is 43 base64url characters, the last carrying two unused bits; a decoder ignores
   * them, so three other spellings decode to the same MAC. None of them is the link that was sent.
   */
  @Test
  void everyOtherSpellingOfTheSameMacIsForged() {
    String token = links.issue("community-pantry", "ref-1", Duration.ofDays(7));
    int last = ALPHABET.indexOf(token.charAt(token.length() - 1));

    for (int unused = 1; unused < 4; unused++) {
      char sameBits = ALPHABET.charAt((last & ~3) | ((last & 3) ^ unused));
      String respelled = token.substring(0, token.length() - 1) + sameBits;

      assertThat(links.verify(respelled))
          .as(respelled)
          .isInstanceOf(IntakeLinks.Verification.Forged.class);
    }
  }
}
