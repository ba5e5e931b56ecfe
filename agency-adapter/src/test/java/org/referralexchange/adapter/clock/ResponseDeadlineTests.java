package org.referralexchange.adapter.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class ResponseDeadlineTests {

  /** Open Monday to Friday, 09:00 to 17:00 UTC; 2 h to answer, 1 h of grace. */
  private static final AdapterProperties.Provider PROVIDER =
      new AdapterProperties.Provider(
          "weekday-provider",
          "Weekday Provider",
          "webhook",
          URI.create("http://127.0.0.1:1/referrals"),
          "",
          Set.of(),
          Set.of(),
          ZoneId.of("UTC"),
          LocalTime.of(9, 0),
          LocalTime.of(17, 0),
          EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
          Duration.ofHours(2),
          Duration.ofHours(1),
          Duration.ofMinutes(15),
          true);

  /** 2026-12-07 is a Monday. */
  private static ReferralSubmitted submitted(String at, Instant respondBy) {
    ReferralSubmitted referral = new ReferralSubmitted();
    referral.setOccurredAt(Instant.parse(at));
    referral.setRespondBy(respondBy);
    return referral;
  }

  @Test
  void withoutRespondByTheProvidersWindowCountsFromSubmissionInBusinessHours() {
    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-07T16:00:00Z", null), PROVIDER);

    // One hour on Monday, the other from Tuesday's opening; then one hour of grace.
    assertThat(deadline.respondBy()).isEqualTo(Instant.parse("2026-12-08T10:00:00Z"));
    assertThat(deadline.due()).isEqualTo(Instant.parse("2026-12-08T10:00:00Z"));
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-08T11:00:00Z"));
  }

  @Test
  void theAgencysRespondByWinsOverTheProvidersWindow() {
    Instant respondBy = Instant.parse("2026-12-09T12:00:00Z");

    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-07T10:00:00Z", respondBy), PROVIDER);

    assertThat(deadline.respondBy()).isEqualTo(respondBy);
    assertThat(deadline.due()).isEqualTo(respondBy);
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-09T13:00:00Z"));
  }

  @Test
  void aRespondByOutsideBusinessHoursIsDueAtTheNextOpening() {
    Instant respondBy = Instant.parse("2026-12-07T20:00:00Z");

    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-07T10:00:00Z", respondBy), PROVIDER);

    assertThat(deadline.respondBy()).isEqualTo(respondBy);
    assertThat(deadline.due()).isEqualTo(Instant.parse("2026-12-08T09:00:00Z"));
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-08T10:00:00Z"));
  }

  /** Northside as configured: Chicago, 08:00-17:00 weekdays, P2D to answer, P2D of grace. */
  private static final AdapterProperties.Provider NORTHSIDE =
      new AdapterProperties.Provider(
          "northside",
          "Northside",
          "webhook",
          URI.create("http://127.0.0.1:1/referrals"),
          "",
          Set.of(),
          Set.of(),
          ZoneId.of("America/Chicago"),
          LocalTime.of(8, 0),
          LocalTime.of(17, 0),
          null,
          Duration.ofDays(2),
          Duration.ofDays(2),
          Duration.ofMinutes(15),
          true,
          List.of(),
          null,
          null,
          Set.of(LocalDate.parse("2026-12-09")),
          false);

  @Test
  void twoBusinessDaysFromFridayAfternoonAreDueTuesdayAndReturnTwoBusinessDaysLater() {
    // Friday 4 December 2026, 15:00 in Chicago; Wednesday 9 December is a holiday.
    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-04T21:00:00Z", null), NORTHSIDE);

    assertThat(deadline.respondBy()).isEqualTo(Instant.parse("2026-12-08T21:00:00Z"));
    assertThat(deadline.due()).isEqualTo(deadline.respondBy());
    // Grace P2D from Tuesday 15:00 skips the holiday: Thursday, then Friday 15:00.
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-11T21:00:00Z"));
  }

  @Test
  void holidaysBindFromConfigurationAsIsoDates() {
    Map<String, String> config = new HashMap<>();
    String p = "adapter.providers[0].";
    config.put(p + "id", "northside");
    config.put(p + "name", "Northside");
    config.put(p + "kind", "webhook");
    config.put(p + "endpoint", "http://127.0.0.1:1/referrals");
    config.put(p + "time-zone", "America/Chicago");
    config.put(p + "opens-at", "08:00");
    config.put(p + "closes-at", "17:00");
    config.put(p + "response-window", "P2D");
    config.put(p + "grace", "P2D");
    config.put(p + "poll-interval", "PT15M");
    config.put(p + "enabled", "true");
    config.put(p + "holidays[0]", "2026-12-25");
    config.put(p + "holidays[1]", "2027-01-01");

    AdapterProperties.Provider bound =
        new Binder(new MapConfigurationPropertySource(config))
            .bind("adapter.providers[0]", AdapterProperties.Provider.class)
            .get();

    assertThat(bound.holidays())
        .containsExactlyInAnyOrder(LocalDate.parse("2026-12-25"), LocalDate.parse("2027-01-01"));
    assertThat(bound.settings().holidays()).isEqualTo(bound.holidays());
    assertThat(bound.businessHours().isBusinessDay(LocalDate.parse("2026-12-25"))).isFalse();
  }
}
