package org.referralexchange.adapter.provider.webhook;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import java.util.TreeSet;
import org.referralexchange.adapter.apidoc.CallbackApiDocumentation;
import org.referralexchange.adapter.apidoc.CallbackProblem;
import org.referralexchange.webhooks.StandardWebhooks;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.method.HandlerMethod;

/**
 * The status callback in the provider callback API's document: its answers, and the status codes a
 * provider may send, from the controller's own constants and {@link StatusCallback#STATUSES}.
 */
@Component
// Present exactly when its controller is: a disabled kind leaves no scheme behind in the document.
@ConditionalOnProperty(
    prefix = "exchange.adapters.webhook",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class WebhookCallbackDocumentation implements OperationCustomizer, OpenApiCustomizer {

  /** Standard Webhooks: HMAC-SHA256 over id, timestamp and body, in {@code webhook-signature}. */
  static final String SIGNATURE_SCHEME = "standardWebhooksSignature";

  static final List<CallbackProblem> PROBLEMS =
      List.of(
          new CallbackProblem(
              HttpStatus.BAD_REQUEST,
              WebhookCallbackController.MALFORMED,
              "Malformed status update",
              "not JSON, not an object, `referralId` or `status` missing, or `occurredAt` not an"
                  + " ISO-8601 instant"),
          new CallbackProblem(
              HttpStatus.BAD_REQUEST,
              WebhookCallbackController.UNKNOWN_STATUS,
              "Invalid status update",
              "`status` is not one of the codes a provider may set"),
          new CallbackProblem(
              HttpStatus.UNAUTHORIZED,
              WebhookCallbackController.SIGNATURE_INVALID,
              "Webhook signature invalid",
              "a signing header missing, the timestamp not an integer, or no `v1` signature"
                  + " matching"),
          new CallbackProblem(
              HttpStatus.UNAUTHORIZED,
              WebhookCallbackController.TIMESTAMP_STALE,
              "Webhook timestamp outside tolerance",
              "`webhook-timestamp` more than 5 minutes from the exchange's clock, either way"),
          new CallbackProblem(
              HttpStatus.UNAUTHORIZED,
              WebhookCallbackController.REPLAYED,
              "Webhook replayed",
              "this `webhook-id` was already accepted from this provider (after a lost 202:"
                  + " delivered)"),
          new CallbackProblem(
              HttpStatus.NOT_FOUND,
              WebhookCallbackController.UNKNOWN_PROVIDER,
              "Unknown provider",
              "no webhook provider has this id"),
          new CallbackProblem(
              HttpStatus.CONFLICT,
              WebhookCallbackController.TRANSITION_REFUSED,
              "Status change refused",
              "no path reaches this status (a terminal status changing), or a required reason is"
                  + " missing; `detail` says which"),
          new CallbackProblem(
              HttpStatus.TOO_MANY_REQUESTS,
              WebhookCallbackController.RATE_LIMITED,
              "Too many webhooks",
              "more ids from this provider within the replay window than the exchange keeps"),
          new CallbackProblem(
              HttpStatus.INTERNAL_SERVER_ERROR,
              WebhookCallbackController.INTERNAL,
              "Internal error",
              "an unexpected failure; retry with the same `webhook-id`"),
          new CallbackProblem(
              HttpStatus.SERVICE_UNAVAILABLE,
              WebhookCallbackController.UNAVAILABLE,
              "Status update not recorded",
              "the exchange could not record it now; retry with the same `webhook-id`"),
          new CallbackProblem(
              HttpStatus.SERVICE_UNAVAILABLE,
              WebhookCallbackController.SIGNATURES_UNAVAILABLE,
              "Signatures cannot be checked",
              "the exchange cannot check this provider's signatures now (its configuration)"));

  @Override
  public Operation customize(Operation operation, HandlerMethod handler) {
    if (handler.getBeanType() != WebhookCallbackController.class) {
      return operation;
    }
    operation.getResponses().clear();
    operation
        .getResponses()
        .addApiResponse(
            "202",
            new ApiResponse()
                .description(
                    "Verified and recorded, or a repeat or a late status the referral has passed,"
                        + " recorded nowhere. No body."));
    CallbackApiDocumentation.addProblems(operation, PROBLEMS);
    return operation;
  }

  /** The codes a provider may send, from the mapping the controller applies. */
  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void customise(io.swagger.v3.oas.models.OpenAPI openApi) {
    if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null) {
      return;
    }
    openApi
        .getComponents()
        .addSecuritySchemes(
            SIGNATURE_SCHEME,
            new SecurityScheme()
                .type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.HEADER)
                .name(StandardWebhooks.SIGNATURE_HEADER)
                .description(
                    "Standard Webhooks: `v1,` + base64(HMAC-SHA256(key,"
                        + " `{webhook-id}.{webhook-timestamp}.{body}`)) under the provider's"
                        + " secret (`whsec_<base64>`: the decoded bytes; otherwise its UTF-8"
                        + " bytes), over the raw body. Several space-separated signatures may be"
                        + " sent; one valid `v1` is enough. `webhook-timestamp` within 5 minutes"
                        + " of the exchange's clock; each `webhook-id` once."));
    Schema<?> callback = openApi.getComponents().getSchemas().get("StatusCallback");
    if (callback == null || callback.getProperties() == null) {
      return;
    }
    Schema status = callback.getProperties().get("status");
    status.setEnum(List.copyOf(new TreeSet<>(StatusCallback.STATUSES.keySet())));
    status.setDescription(
        "A FHIR Task code a referral target may set; `received` reads as still requested.");
    callback.setRequired(List.of("referralId", "status"));
    Schema occurredAt = callback.getProperties().get("occurredAt");
    occurredAt.setFormat("date-time");
    occurredAt.setDescription("When it happened at the provider; the time of receipt if left out.");
  }
}
