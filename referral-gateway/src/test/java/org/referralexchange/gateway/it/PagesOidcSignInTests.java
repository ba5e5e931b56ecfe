package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Production's sign-in, Spring Security's {@code oauth2Login}, against a stand-in OIDC provider
 * served over HTTP on loopback by the JDK's server (discovery, authorization, token and JWK set
 * endpoints; ID tokens signed with a generated RSA key), as {@code JwtIssuerDiscoveryTests} serves
 * one for the API's bearer tokens. The gateway is configured only with the issuer, a client id and
 * secret; the agency comes from the ID token's {@code agency_id} claim.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "server.servlet.session.cookie.secure=false")
class PagesOidcSignInTests {

  private static final String CLIENT_ID = "gateway-pages";
  private static final KeyPair KEY = rsaKeyPair();
  private static final List<String> served = new CopyOnWriteArrayList<>();
  private static final Map<String, String> nonces = new ConcurrentHashMap<>();
  private static volatile Map<String, Object> nextClaims = Map.of();
  private static final HttpServer IDP = identityProvider();
  private static final String ISSUER =
      "http://127.0.0.1:" + IDP.getAddress().getPort() + "/realms/agencies";

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
    String registration = "spring.security.oauth2.client.registration.agency-idp.";
    properties.add(registration + "client-id", () -> CLIENT_ID);
    properties.add(registration + "client-secret", () -> "pages-secret");
    properties.add(registration + "scope", () -> "openid,profile");
    properties.add(registration + "client-name", () -> "County sign-in");
    properties.add("spring.security.oauth2.client.provider.agency-idp.issuer-uri", () -> ISSUER);
  }

  @AfterAll
  static void stopIdentityProvider() {
    IDP.stop(0);
  }

  @LocalServerPort int port;

  @BeforeEach
  void ready() {
    PartTwoFlows.awaitReadiness(new GatewayClient(port));
  }

  @Test
  void anOidcSignInGivesASessionForTheAgencyInTheClaimAndReturnsToThePageAsked() {
    nextClaims =
        Map.of("agency_id", "county-hhs", "preferred_username", "cm-7", "name", "Casey Manager");
    PageBrowser browser = new PageBrowser(port);

    PageBrowser.Page landed = signIn(browser);

    assertThat(landed.status()).isEqualTo(200);
    assertThat(landed.body())
        .contains("Signed in as")
        .contains("Casey Manager")
        .contains("County Health and Human Services");
    assertThat(served).contains("/realms/agencies/token", "/realms/agencies/jwks");
    // The session stays: the list opens without signing in again.
    assertThat(browser.get("/referrals").status()).isEqualTo(200);
  }

  @Test
  void anIdTokenWithoutTheAgencyClaimIsRefusedAndGivesNoSession() {
    nextClaims = Map.of("preferred_username", "someone", "name", "Some One");
    PageBrowser browser = new PageBrowser(port);

    PageBrowser.Page landed = signIn(browser);

    assertThat(landed.status()).isEqualTo(200);
    assertThat(landed.body()).contains("sign-in-refused");
    PageBrowser.Page list = browser.get("/referrals");
    assertThat(list.status()).isEqualTo(302);
    assertThat(list.location()).contains("/sign-in");
  }

  @Test
  void anIdTokenNamingAnUnknownAgencyIsRefused() {
    nextClaims = Map.of("agency_id", "no-such-agency", "preferred_username", "x");
    PageBrowser browser = new PageBrowser(port);

    assertThat(signIn(browser).body()).contains("sign-in-refused");
    assertThat(browser.get("/referrals").status()).isEqualTo(302);
  }

  /**
   * A browser's way through the code flow, from a page asked without a session to where it ends.
   */
  private static PageBrowser.Page signIn(PageBrowser browser) {
    PageBrowser.Page asked = browser.get("/referrals");
    assertThat(asked.status()).isEqualTo(302);
    PageBrowser.Page signInPage = browser.follow(asked);
    assertThat(signInPage.body()).contains("id=\"sign-in-agency-idp\"").contains("County sign-in");
    PageBrowser.Page toIdp = browser.get("/oauth2/authorization/agency-idp");
    assertThat(toIdp.status()).isEqualTo(302);
    assertThat(toIdp.location()).startsWith(ISSUER + "/auth?");
    PageBrowser.Page back = browser.get(toIdp.location());
    assertThat(back.status()).isEqualTo(302);
    assertThat(back.location()).contains("/login/oauth2/code/agency-idp?");
    return browser.follow(browser.get(back.location()));
  }

  /** Discovery, authorization (answers at once with a code), token (an ID token) and JWK set. */
  private static HttpServer identityProvider() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/agencies";
      String jwks =
          new JWKSet(new RSAKey.Builder((RSAPublicKey) KEY.getPublic()).keyID("idp-key").build())
              .toString(true);
      String discovery =
          """
          {"issuer": "%1$s", "jwks_uri": "%1$s/jwks",
           "authorization_endpoint": "%1$s/auth", "token_endpoint": "%1$s/token",
           "response_types_supported": ["code"],
           "subject_types_supported": ["public"],
           "token_endpoint_auth_methods_supported": ["client_secret_basic"],
           "scopes_supported": ["openid", "profile"],
           "id_token_signing_alg_values_supported": ["RS256"]}
          """
              .formatted(base);
      server.createContext(
          "/realms/agencies/.well-known/openid-configuration",
          exchange -> answer(exchange, 200, "application/json", discovery));
      server.createContext(
          "/realms/agencies/jwks", exchange -> answer(exchange, 200, "application/json", jwks));
      server.createContext(
          "/realms/agencies/auth",
          exchange -> {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String code = UUID.randomUUID().toString();
            nonces.put(code, query.getOrDefault("nonce", ""));
            exchange
                .getResponseHeaders()
                .add(
                    "Location",
                    query.get("redirect_uri")
                        + "?code="
                        + code
                        + "&state="
                        + URLEncoder.encode(query.get("state"), StandardCharsets.UTF_8));
            answer(exchange, 302, "text/plain", "");
          });
      server.createContext(
          "/realms/agencies/token",
          exchange -> {
            Map<String, String> form =
                query(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String nonce = nonces.remove(form.get("code"));
            if (nonce == null) {
              answer(exchange, 400, "application/json", "{\"error\": \"invalid_grant\"}");
              return;
            }
            String token =
                """
                {"access_token": "at-%s", "token_type": "Bearer", "expires_in": 300,
                 "scope": "openid profile", "id_token": "%s"}
                """
                    .formatted(UUID.randomUUID(), idToken(base, nonce));
            answer(exchange, 200, "application/json", token);
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String idToken(String issuer, String nonce) {
    Instant now = Instant.now();
    JwtClaimsSet.Builder claims =
        JwtClaimsSet.builder()
            .issuer(issuer)
            .subject("user-" + UUID.randomUUID())
            .audience(List.of(CLIENT_ID))
            .issuedAt(now)
            .expiresAt(now.plus(Duration.ofMinutes(5)))
            .claim("nonce", nonce);
    nextClaims.forEach(claims::claim);
    RSAKey signing =
        new RSAKey.Builder((RSAPublicKey) KEY.getPublic())
            .privateKey((RSAPrivateKey) KEY.getPrivate())
            .keyID("idp-key")
            .build();
    return new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(signing)))
        .encode(
            JwtEncoderParameters.from(
                JwsHeader.with(SignatureAlgorithm.RS256).keyId("idp-key").build(), claims.build()))
        .getTokenValue();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> values = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return values;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        values.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  private static void answer(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    try (exchange) {
      served.add(exchange.getRequestURI().getPath());
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
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
