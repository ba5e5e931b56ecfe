package org.referralexchange.adapter.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.demo.fhir.InMemoryFhirServer;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.events.v1.ClientBlock;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentIntermediary;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * 42 CFR 2.32 at the providers: a referral carrying substance-use-disorder information reaches a
 * real HAPI FHIR server and a real webhook receiver with the notice, the consent's scope and the
 * Part 2 marker; one that carries none reaches them unmarked. Checked on what they stored and got.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class Part2DeliveryTests {

  static final FhirContext FHIR = FhirContext.forR4();
  static final InMemoryFhirServer SERVER = start();
  static final WireMockServer WEBHOOK = AdapterFlowTests.started();
  static final String SECRET = AdapterFlowTests.SECRET;
  static final String NOTICE =
      "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";

  static InMemoryFhirServer start() {
    try {
      return InMemoryFhirServer.start(FHIR);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    SERVER.close();
    WEBHOOK.stop();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("adapter.encryption.keyset-json", () -> ExchangeInfrastructure.KEYSET);
    properties.add("exchange.kafka.ownership.group-id", () -> "part2-delivery-tests");
    properties.add("adapter.minimum-poll-interval", () -> "PT0S");
    properties.add("adapter.tick-interval", () -> "PT0.2S");
    provider(properties, 0, "recovery-fhir", "fhir", SERVER::baseUrl);
    provider(properties, 1, "recovery-hook", "webhook", () -> WEBHOOK.baseUrl() + "/hook");
    WEBHOOK.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(202)));
  }

  static void provider(
      DynamicPropertyRegistry properties,
      int i,
      String id,
      String kind,
      java.util.function.Supplier<Object> endpoint) {
    String p = "adapter.providers[" + i + "].";
    properties.add(p + "id", () -> id);
    properties.add(p + "name", () -> id + " program");
    properties.add(p + "kind", () -> kind);
    properties.add(p + "endpoint", endpoint);
    properties.add(p + "secret", () -> kind.equals("webhook") ? SECRET : "");
    properties.add(p + "allowed-fields", () -> "givenName,familyName,birthDate");
    properties.add(p + "service-categories", () -> "substance-use-treatment");
    properties.add(p + "treating-provider", () -> "true");
    properties.add(p + "time-zone", () -> "UTC");
    properties.add(p + "opens-at", () -> "00:00");
    properties.add(p + "closes-at", () -> "23:59:59.999");
    properties.add(p + "response-window", () -> "P2D");
    properties.add(p + "grace", () -> "P2D");
    properties.add(p + "poll-interval", () -> "PT1H");
    properties.add(p + "enabled", () -> "true");
  }

  static final List<InformationCategory> PART2_DATA =
      List.of(
          InformationCategory.DEMOGRAPHICS,
          InformationCategory.SOCIAL_NEEDS,
          InformationCategory.SUBSTANCE_USE_DISORDER);

  static final List<InformationCategory> PLAIN_DATA =
      List.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS);

  /**
   * Publishes a Part 2 consent reaching treating providers of substance-use treatment through the
   * exchange as intermediary, and a referral under it carrying {@code categories}.
   */
  static String submit(String providerId, List<InformationCategory> categories) {
    String referralId = "ref-" + UUID.randomUUID();
    String consentId = "cns-" + UUID.randomUUID();
    String pseudonym = "cl-" + UUID.randomUUID();
    Instant now = Instant.now();
    ConsentRecorded sample = SampleEvents.consentRecorded(consentId);
    ConsentDetails details =
        ConsentDetails.newBuilder(sample.getConsent())
            .setClientPseudonym(pseudonym)
            .setPart2(true)
            .setInformationCategories(PART2_DATA)
            .setPurpose("TREAT")
            .setRecipients(
                ConsentRecipients.newBuilder()
                    .setServiceCategories(List.of("substance-use-treatment"))
                    .setIntermediary(
                        ConsentIntermediary.newBuilder()
                            .setId("referral-exchange")
                            .setName("The referral exchange")
                            .build())
                    .build())
            .setEffectiveFrom(now.minus(Duration.ofDays(1)))
            .setExpiresAt(Instant.parse("2030-06-30T05:00:00Z"))
            .build();
    ExchangeInfrastructure.publish(
        Topics.CONSENT_EVENTS,
        consentId,
        ConsentRecorded.newBuilder(sample).setConsent(details).build());
    EnvelopeCipher cipher = EnvelopeCipher.fromKeysetJson(ExchangeInfrastructure.KEYSET);
    ClientIdentity identity =
        ClientIdentity.newBuilder()
            .setGivenName("Zebulon-Canary")
            .setFamilyName("Quixote-Canary")
            .setBirthDate(LocalDate.of(1980, 2, 29))
            .build();
    ReferralSubmitted referral =
        ReferralSubmitted.newBuilder(SampleEvents.referralSubmitted(referralId))
            .setEventId(UUID.randomUUID())
            .setOccurredAt(now)
            .setTarget(
                ServiceTarget.newBuilder().setProviderId(providerId).setServiceId("svc").build())
            .setRespondBy(now.plus(Duration.ofDays(2)))
            .setConsent(
                ConsentReference.newBuilder()
                    .setConsentId(consentId)
                    .setInformationCategories(categories)
                    .setPurpose("TREAT")
                    .build())
            .setClient(
                ClientBlock.newBuilder()
                    .setClientPseudonym(pseudonym)
                    .setIdentity(cipher.seal(identity, referralId))
                    .build())
            .setNarrative(null)
            .build();
    ExchangeInfrastructure.publish(Topics.REFERRAL_SUBMITTED, referralId, referral);
    return referralId;
  }

  static ReferralDelivered awaitDelivered(String referralId) {
    return AdapterFlowTests.awaitEvent(
        Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
  }

  static List<String> labels(Resource resource) {
    return resource.getMeta().getSecurity().stream()
        .map(c -> c.getSystem() + "|" + c.getCode())
        .toList();
  }

  static final String[] PART2_LABELS = {
    "http://terminology.hl7.org/CodeSystem/v3-ActCode|42CFRPart2",
    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R",
    "http://terminology.hl7.org/CodeSystem/v3-ActCode|NORDSCLCD"
  };

  @Test
  void aPart2ReferralIsStoredAtTheFhirServerLabelledWithTheNoticeAndScope() {
    String referralId = submit("recovery-fhir", PART2_DATA);

    ReferralDelivered delivered = awaitDelivered(referralId);
    IGenericClient client = FHIR.newRestfulGenericClient(SERVER.baseUrl());
    Task task =
        client.read().resource(Task.class).withId(delivered.getProviderReference()).execute();
    ServiceRequest request =
        client
            .read()
            .resource(ServiceRequest.class)
            .withId(task.getFocus().getReferenceElement().getIdPart())
            .execute();
    Patient patient =
        client
            .read()
            .resource(Patient.class)
            .withId(task.getFor().getReferenceElement().getIdPart())
            .execute();

    assertThat(labels(task)).contains(PART2_LABELS);
    assertThat(labels(request)).contains(PART2_LABELS);
    assertThat(labels(patient)).contains(PART2_LABELS);
    assertThat(request.getNote().get(0).getText()).isEqualTo(NOTICE);
    assertThat(request.getNote().get(1).getText())
        .contains(
            "through The referral exchange (referral-exchange)",
            "substance-use-treatment",
            "SUBSTANCE_USE_DISORDER",
            "TREAT",
            "2030-06-30T05:00:00Z");
  }

  @Test
  void aReferralWithoutPart2InformationIsStoredUnlabelledAndWithoutTheNotice() {
    String referralId = submit("recovery-fhir", PLAIN_DATA);

    ReferralDelivered delivered = awaitDelivered(referralId);
    IGenericClient client = FHIR.newRestfulGenericClient(SERVER.baseUrl());
    Task task =
        client.read().resource(Task.class).withId(delivered.getProviderReference()).execute();
    ServiceRequest request =
        client
            .read()
            .resource(ServiceRequest.class)
            .withId(task.getFocus().getReferenceElement().getIdPart())
            .execute();

    assertThat(task.getMeta().getSecurity()).extracting(Coding::getCode).isEmpty();
    assertThat(request.getMeta().getSecurity()).isEmpty();
    assertThat(request.getNote()).noneMatch(n -> n.getText().contains("42 CFR"));
  }

  @Test
  void aPart2ReferralReachesTheWebhookReceiverWithTheMarkerNoticeAndScope() {
    String referralId = submit("recovery-hook", PART2_DATA);

    awaitDelivered(referralId);
    JsonNode part2 = webhookBody(referralId).path("referral").path("part2");

    assertThat(part2.path("notice").asString()).isEqualTo(NOTICE);
    JsonNode scope = part2.path("scope");
    assertThat(scope.path("recipients").path("intermediary").path("id").asString())
        .isEqualTo("referral-exchange");
    assertThat(scope.path("recipients").path("serviceCategories").get(0).asString())
        .isEqualTo("substance-use-treatment");
    assertThat(scope.path("informationCategories").toString()).contains("SUBSTANCE_USE_DISORDER");
    assertThat(scope.path("purpose").asString()).isEqualTo("TREAT");
    assertThat(scope.path("expiresAt").asString()).isEqualTo("2030-06-30T05:00:00Z");
  }

  @Test
  void aReferralWithoutPart2InformationReachesTheWebhookReceiverWithoutTheMarker() {
    String referralId = submit("recovery-hook", PLAIN_DATA);

    awaitDelivered(referralId);

    assertThat(webhookBody(referralId).path("referral").has("part2")).isFalse();
  }

  private static JsonNode webhookBody(String referralId) {
    List<LoggedRequest> posts =
        WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hook"))).stream()
            .filter(r -> r.getBodyAsString().contains(referralId))
            .toList();
    assertThat(posts).hasSize(1);
    return JsonMapper.builder().build().readTree(posts.get(0).getBodyAsString());
  }
}
