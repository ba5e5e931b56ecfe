package org.referralexchange.adapter.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.Reason;

class ProviderReasonTests {

  @Test
  void aTextAloneIsAReasonCodedOther() {
    assertThat(ProviderReason.of(null, "Program is full until March"))
        .isEqualTo(
            Reason.newBuilder().setCode("other").setText("Program is full until March").build());
  }

  @Test
  void aCodeAloneIsAReasonWithoutText() {
    assertThat(ProviderReason.of("no-capacity", null))
        .isEqualTo(Reason.newBuilder().setCode("no-capacity").setText(null).build());
  }

  @Test
  void nothingOrOnlyBlanksIsNoReason() {
    assertThat(ProviderReason.of(null, null)).isNull();
    assertThat(ProviderReason.of(" ", "\n\t ")).isNull();
  }

  @Test
  void controlAndDirectionOverrideCharactersAreTakenOut() {
    Reason reason =
        ProviderReason.of("no-\u0000capacity", "Full\r\nINFO forged line\u202Eevil\u0007");

    assertThat(reason.getCode()).isEqualTo("no- capacity");
    assertThat(reason.getText()).isEqualTo("Full INFO forged line evil");
  }

  @Test
  void aLongTextIsCutToTheLimitWithoutSplittingACharacter() {
    // 'x' then emoji (two chars each): a cut by chars would split a surrogate pair.
    String longText = "x" + "\uD83D\uDE00".repeat(ProviderReason.MAX_TEXT_LENGTH);

    String text = ProviderReason.of(null, longText).getText();

    assertThat(text.codePointCount(0, text.length())).isEqualTo(ProviderReason.MAX_TEXT_LENGTH);
    assertThat(text).endsWith("\uD83D\uDE00…");
    assertThat(ProviderReason.of(null, "y".repeat(ProviderReason.MAX_TEXT_LENGTH)).getText())
        .hasSize(ProviderReason.MAX_TEXT_LENGTH)
        .doesNotContain("…");
  }
}
