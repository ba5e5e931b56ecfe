package org.referralexchange.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.referralexchange.ops.redaction.Redaction;

class RedactionTests {

  @Test
  void masksQuotesEmailsAndLongDigitRunsAndKeepsShortNumbersAndIds() {
    assertThat(
            Redaction.mask(
                "550 mailbox jane.doe+x@mail.example.org unknown; SMS to (555) 010-9999 failed"))
        .isEqualTo("550 mailbox <email> unknown; SMS to <digits> failed");
    assertThat(Redaction.mask("Unrecognized token \"Jane\" at line 3, column 12"))
        .isEqualTo("Unrecognized token <quoted> at line 3, column 12");
    assertThat(Redaction.mask("referral 123e4567-e89b-42d3-a456-426614174000 timed out"))
        .isEqualTo("referral 123e4567-e89b-42d3-a456-426614174000 timed out");
  }

  @Test
  void oneLineAndCut() {
    String masked = Redaction.mask("a\nb\r\n" + "x".repeat(500));
    assertThat(masked).doesNotContain("\n").startsWith("a b  x").hasSize(Redaction.MAX_LENGTH);
  }
}
