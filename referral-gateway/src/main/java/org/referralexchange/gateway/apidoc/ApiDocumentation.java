package org.referralexchange.gateway.apidoc;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.referralexchange.gateway.problem.ProblemCatalog;
import org.referralexchange.gateway.security.ApiKeyAuthenticationConverter;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

/**
 * The document at {@code /v3/api-docs}: what a partner builds against. Its version is the build's;
 * its server is relative, left to the deployer (the document is served by the deployment it
 * describes); both ways an agency authenticates are declared, and every operation's problems come
 * from {@link ProblemCatalog}.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentation {

  static final String TITLE = "Referral Exchange Gateway API";
  static final String API_KEY = "agencyApiKey";
  static final String BEARER = "agencyBearerToken";
  static final String PROBLEM = "Problem";

  @Bean
  OpenAPI gatewayApi(ObjectProvider<BuildProperties> build) {
    BuildProperties properties = build.getIfAvailable();
    return new OpenAPI()
        .info(
            new Info()
                .title(TITLE)
                .version(properties == null ? "development" : properties.getVersion())
                .description(text("apidoc/gateway-api.md") + ProblemDocumentation.table()))
        // Relative: the deployment serving the document. Without a server springdoc would write
        // the address it was fetched from, which differs per deployment and behind every proxy.
        .addServersItem(
            new Server().url("/").description("The deployment that serves this document"))
        .components(
            new Components()
                .addSecuritySchemes(
                    API_KEY,
                    new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER)
                        .name(ApiKeyAuthenticationConverter.HEADER)
                        .description(
                            "The agency's API key, as issued by the exchange's operator (only its"
                                + " SHA-256 is kept). Never together with a bearer token."))
                .addSecuritySchemes(
                    BEARER,
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT")
                        .description(
                            "An OAuth2 access token (JWT) from the issuer the deployment trusts"
                                + " (GATEWAY_JWT_ISSUER_URI); its agency claim names the agency."
                                + " Accepted only where the deployment configures an issuer."))
                .addSchemas(PROBLEM, problemSchema()));
  }

  @Bean
  OperationCustomizer problemResponses() {
    return new ProblemDocumentation();
  }

  @Bean
  OperationCustomizer securityAndExamples() {
    return new OperationDocumentation();
  }

  /** RFC 9457 with the members this API adds. */
  private static Schema<?> problemSchema() {
    Schema<?> fieldError =
        new ObjectSchema()
            .addProperty("field", new StringSchema().description("the field or parameter"))
            .addProperty("message", new StringSchema().description("the rule it breaks"));
    return new ObjectSchema()
        .description(
            "An RFC 9457 problem detail. Switch on `type`; `title` and `detail` are for people and"
                + " never repeat the request's values.")
        .addProperty(
            "type",
            new StringSchema()
                .format("uri-reference")
                .description("The stable problem type, `/problems/<slug>`; see the list above."))
        .addProperty("title", new StringSchema().description("Short words for the type."))
        .addProperty("status", new IntegerSchema().description("The HTTP status."))
        .addProperty("detail", new StringSchema().description("What happened, for people."))
        .addProperty(
            "instance",
            new StringSchema().format("uri-reference").description("The request's path."))
        .addProperty(
            "errors",
            new ArraySchema()
                .items(fieldError)
                .description("With validation-failed: each invalid field and its rule."))
        .addProperty(
            "policy",
            new StringSchema().description("With a consent refusal: the refusing policy."))
        .addProperty(
            "fields",
            new ArraySchema()
                .items(new StringSchema())
                .description(
                    "With consent-does-not-cover-fields: the fields outside the consent (names,"
                        + " never values)."))
        .addRequiredItem("type")
        .addRequiredItem("title")
        .addRequiredItem("status");
  }

  static String text(String resource) {
    try (InputStream in = new ClassPathResource(resource).getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Missing API document text " + resource, e);
    }
  }
}
