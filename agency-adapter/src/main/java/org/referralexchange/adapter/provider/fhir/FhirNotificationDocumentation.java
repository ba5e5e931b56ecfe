package org.referralexchange.adapter.provider.fhir;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.referralexchange.adapter.apidoc.CallbackApiDocumentation;
import org.referralexchange.adapter.apidoc.CallbackProblem;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.method.HandlerMethod;

/** The FHIR notification endpoint in the provider callback API's document: its answers. */
@Component
// Present exactly when its controller is: a disabled kind leaves no scheme behind in the document.
@ConditionalOnProperty(
    prefix = "exchange.adapters.fhir",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class FhirNotificationDocumentation implements OperationCustomizer, OpenApiCustomizer {

  /** The bearer secret a FHIR Subscription of the exchange's declares in its headers. */
  static final String SUBSCRIPTION_BEARER = "fhirSubscriptionBearer";

  static final List<CallbackProblem> PROBLEMS =
      List.of(
          new CallbackProblem(
              HttpStatus.BAD_REQUEST,
              FhirNotificationController.MALFORMED,
              "Malformed notification",
              "the body is not a FHIR R4 subscription notification Bundle"),
          new CallbackProblem(
              HttpStatus.UNAUTHORIZED,
              FhirNotificationController.UNAUTHORIZED,
              "Notification not authorized",
              "the Authorization header does not carry the secret of a Subscription of the"
                  + " exchange's"),
          new CallbackProblem(
              HttpStatus.NOT_FOUND,
              FhirNotificationController.UNKNOWN_PROVIDER,
              "Unknown provider",
              "no FHIR provider with subscriptions has this id"),
          new CallbackProblem(
              HttpStatus.SERVICE_UNAVAILABLE,
              FhirNotificationController.UNAVAILABLE,
              "Notification not recorded",
              "the exchange could not read or record the Task now; send it again later"));

  @Override
  public Operation customize(Operation operation, HandlerMethod handler) {
    if (handler.getBeanType() != FhirNotificationController.class) {
      return operation;
    }
    operation.getResponses().clear();
    operation
        .getResponses()
        .addApiResponse(
            "200",
            new ApiResponse()
                .description(
                    "Read and recorded (or nothing to record: a handshake, a heartbeat, a Task"
                        + " not of the exchange's). No body."));
    CallbackApiDocumentation.addProblems(operation, PROBLEMS);
    return operation;
  }

  @Override
  public void customise(OpenAPI openApi) {
    if (openApi.getComponents() != null) {
      openApi
          .getComponents()
          .addSecuritySchemes(
              SUBSCRIPTION_BEARER,
              new SecurityScheme()
                  .type(SecurityScheme.Type.HTTP)
                  .scheme("bearer")
                  .description(
                      "The secret the exchange's FHIR Subscription names in its `Authorization:"
                          + " Bearer` header; the provider's server sends it back with every"
                          + " notification."));
    }
  }
}
