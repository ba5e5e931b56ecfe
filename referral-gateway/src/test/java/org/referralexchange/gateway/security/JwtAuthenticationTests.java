package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.gateway.security.ProblemAssertions.assertProblem;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;

import io.micrometer.core.instrument.MeterRegistry;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import org.springframework.web.context.WebApplicationContext;

/**
 * OAuth2 JWT bearer tokens, as in production: a {@link JwtDecoder} is present (here one that trusts
 * a test RSA key, where production has Spring Boot's decoder for the configured issuer).
 */
@SecuritySliceTest
@Import(JwtAuthenticationTests.TestIssuer.class)
class JwtAuthenticationTests {

  private static final String ME = "/api/v1/me";

  private static final KeyPair ISSUER_KEY = rsaKeyPair();
  private static final KeyPair FOREIGN_KEY = rsaKeyPair();

  /** Trusts tokens signed with the test issuer's key, checking expiry as production does. */
  @TestConfiguration(proxyBeanMethods = false)
  static class TestIssuer {
    @Bean
    JwtDecoder jwtDecoder() {
      return NimbusJwtDecoder.withPublicKey((RSAPublicKey) ISSUER_KEY.getPublic()).build();
    }
  }

  @Autowired private WebApplicationContext context;
  @Autowired private MeterRegistry meters;

  private MockMvcTester mvc;

  @BeforeEach
  void setUp() {
    mvc = MockMvcTester.from(context, builder -> builder.apply(springSecurity()).build());
  }

  @Test
  void identifiesTheAgencyNamedByTheAgencyIdClaim() {
    MvcTestResult result =
        me(token(ISSUER_KEY, claims -> claims.claim("agency_id", "harbor-shelter")));

    assertThat(result).hasStatusOk();
    assertThat(result)
        .bodyJson()
        .isStrictlyEqualTo(
            """
            {"agencyId":"harbor-shelter","agencyName":"Harbor Family Shelter",
             "authentication":"jwt"}
            """);
  }

  @Test
  void refusesTokenWhoseAgencyIdNamesNoConfiguredAgency() {
    double before = failures("unknown-agency");

    MvcTestResult result =
        me(token(ISSUER_KEY, claims -> claims.claim("agency_id", "mallory-inc")));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result.getResponse().getHeaders(HttpHeaders.WWW_AUTHENTICATE))
        .contains("Bearer error=\"invalid_token\"");
    assertThat(failures("unknown-agency")).isEqualTo(before + 1);
  }

  @Test
  void refusesTokenWithoutAgencyId() {
    MvcTestResult result = me(token(ISSUER_KEY, claims -> claims.subject("someone")));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void refusesExpiredToken() {
    Instant issued = Instant.now().minus(Duration.ofHours(2));
    String expired =
        token(
            ISSUER_KEY,
            claims ->
                claims
                    .claim("agency_id", "county-hhs")
                    .issuedAt(issued)
                    .expiresAt(issued.plus(Duration.ofHours(1))));

    MvcTestResult result = me(expired);

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result)
        .bodyJson()
        .extractingPath("$.detail")
        .isEqualTo("The bearer token is not valid or has expired.");
  }

  @Test
  void refusesTokenSignedWithAnotherKey() {
    MvcTestResult result =
        me(token(FOREIGN_KEY, claims -> claims.claim("agency_id", "county-hhs")));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void stillAcceptsApiKeysAndOffersBothChallenges() {
    assertThat(mvc.get().uri(ME).header("X-Api-Key", SecurityTestConfiguration.COUNTY_KEY))
        .hasStatusOk()
        .bodyJson()
        .extractingPath("$.authentication")
        .isEqualTo("api-key");

    MvcTestResult anonymous = mvc.get().uri(ME).exchange();

    assertProblem(anonymous, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(anonymous.getResponse().getHeaders(HttpHeaders.WWW_AUTHENTICATE))
        .containsExactly("ApiKey header=\"X-Api-Key\"", "Bearer");
  }

  private MvcTestResult me(String token) {
    return mvc.get().uri(ME).header(HttpHeaders.AUTHORIZATION, "Bearer " + token).exchange();
  }

  private double failures(String reason) {
    var counter = meters.find("gateway.auth.failures").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private static String token(KeyPair key, Consumer<JwtClaimsSet.Builder> claims) {
    Instant now = Instant.now();
    JwtClaimsSet.Builder builder =
        JwtClaimsSet.builder()
            .issuer("https://idp.example.test")
            .issuedAt(now)
            .expiresAt(now.plus(Duration.ofMinutes(5)));
    claims.accept(builder);
    JwtEncoder encoder =
        NimbusJwtEncoder.withKeyPair(
                (RSAPublicKey) key.getPublic(), (RSAPrivateKey) key.getPrivate())
            .build();
    return encoder
        .encode(
            JwtEncoderParameters.from(
                JwsHeader.with(SignatureAlgorithm.RS256).build(), builder.build()))
        .getTokenValue();
  }

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
