package org.referralexchange.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskingTests {

  @Test
  void emailKeepsFirstLetterAndDomainOnly() {
    assertThat(Masking.email("cm42@county.example")).isEqualTo("c***@county.example");
    assertThat(Masking.email("not-an-address")).isEqualTo("***");
    assertThat(Masking.email(null)).isEqualTo("-");
  }

  @Test
  void phoneKeepsLastFourDigitsOnly() {
    assertThat(Masking.phone("+15555550142")).isEqualTo("***0142").doesNotContain("555555");
    assertThat(Masking.phone("12")).isEqualTo("***");
  }
}
