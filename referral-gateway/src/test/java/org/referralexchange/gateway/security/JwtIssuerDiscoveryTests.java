package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.gateway.security.ProblemAssertions.assertProblem;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import org.springframework.web.context.WebApplicationContext;

/**
 * Bearer tokens as production checks them: the gateway is configured only with {@code issuer-uri}
 * and {@code audiences}, as its README says, and Spring Boot's decoder finds the issuer's keys by
 * OIDC discovery over HTTP ({@code /.well-known/openid-configuration}, then its {@code jwks_uri}),
 * served here by a JDK HTTP server on loopback. Tokens are signed with a generated RSA key.
 */
@SecuritySliceTest
class JwtIssuerDiscoveryTests {

  private static final String ME = "/api/v1/me";
  private static final String AUDIENCE = "referral-gateway";
  private static final KeyPair KEY = rsaKeyPair();
  private static final List<String> served = new CopyOnWriteArrayList<>();
  private static final HttpServer IDP = identityProvider();
  private static final String ISSUER =
      "http://127.0.0.1:" + IDP.getAddress().getPort() + "/realms/referral-exchange";

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry properties) {
    properties.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> ISSUER);
    properties.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> AUDIENCE);
  }

  @AfterAll
  static void stopIdentityProvider() {
    IDP.stop(0);
  }

  @Autowired private WebApplicationContext context;

  private MockMvcTester mvc;

  @BeforeEach
  void setUp() {
    mvc = MockMvcTester.from(context, builder -> builder.apply(springSecurity()).build());
  }

  @Test
  void aTokenFromTheIssuerForTheGatewayIsAcceptedWithKeysFoundByDiscovery() {
    MvcTestResult result = me(token(claims -> {}));

    assertThat(result).hasStatusOk();
    assertThat(result).bodyJson().extractingPath("$.agencyId").isEqualTo("county-hhs");
    assertThat(result).bodyJson().extractingPath("$.authentication").isEqualTo("jwt");
    assertThat(served)
        .contains("/realms/referral-exchange/.well-known/openid-configuration")
        .contains("/realms/referral-exchange/jwks");
  }

  @Test
  void aTokenFromAnotherIssuerIsRefused() {
    MvcTestResult result = me(token(claims -> claims.issuer("https://idp.elsewhere.test")));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result.getResponse().getHeaders(HttpHeaders.WWW_AUTHENTICATE))
        .anySatisfy(
            challenge -> assertThat(challenge).startsWith("Bearer error=\"invalid_token\""));
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    MvcTestResult result = me(token(claims -> claims.audience(List.of("another-service"))));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void aTokenWithoutAnAudienceIsRefused() {
    MvcTestResult result = me(token(claims -> claims.claims(c -> c.remove("aud"))));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void anExpiredTokenFromTheIssuerIsRefused() {
    Instant issued = Instant.now().minus(Duration.ofHours(2));
    MvcTestResult result =
        me(token(claims -> claims.issuedAt(issued).expiresAt(issued.plus(Duration.ofHours(1)))));

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result)
        .bodyJson()
        .extractingPath("$.detail")
        .isEqualTo("The bearer token is not valid or has expired.");
  }

  private MvcTestResult me(String token) {
    return mvc.get().uri(ME).header(HttpHeaders.AUTHORIZATION, "Bearer " + token).exchange();
  }

  /** A token as the issuer gives the county: right issuer, audience and agency; then changed. */
  private static String token(Consumer<JwtClaimsSet.Builder> change) {
    Instant now = Instant.now();
    JwtClaimsSet.Builder claims =
        JwtClaimsSet.builder()
            .issuer(ISSUER)
            .subject("service-account-county-hhs")
            .audience(List.of(AUDIENCE))
            .claim("agency_id", "county-hhs")
            .issuedAt(now)
            .expiresAt(now.plus(Duration.ofMinutes(5)));
    change.accept(claims);
    RSAKey signing =
        new RSAKey.Builder((RSAPublicKey) KEY.getPublic())
            .privateKey((RSAPrivateKey) KEY.getPrivate())
            .keyID("test-key")
            .build();
    return new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(signing)))
        .encode(
            JwtEncoderParameters.from(
                JwsHeader.with(SignatureAlgorithm.RS256).keyId("test-key").build(), claims.build()))
        .getTokenValue();
  }

  /** Serves the issuer's OIDC discovery document and its JWK set, and notes each path asked. */
  private static HttpServer identityProvider() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      String base =
          "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/referral-exchange";
      String jwks =
          new JWKSet(new RSAKey.Builder((RSAPublicKey) KEY.getPublic()).keyID("test-key").build())
              .toString(true);
      String discovery =
          """
          {"issuer": "%s", "jwks_uri": "%s/jwks",
           "authorization_endpoint": "%s/auth", "token_endpoint": "%s/token",
           "subject_types_supported": ["public"],
           "id_token_signing_alg_values_supported": ["RS256"]}
          """
              .formatted(base, base, base, base);
      server.createContext(
          "/realms/referral-exchange/.well-known/openid-configuration",
          exchange -> answer(exchange, discovery));
      server.createContext("/realms/referral-exchange/jwks", exchange -> answer(exchange, jwks));
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void answer(HttpExchange exchange, String json) throws IOException {
    try (exchange) {
      served.add(exchange.getRequestURI().getPath());
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
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
