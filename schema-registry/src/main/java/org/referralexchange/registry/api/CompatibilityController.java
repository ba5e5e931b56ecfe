package org.referralexchange.registry.api;

import org.referralexchange.registry.api.Dtos.CompatibilityCheck;
import org.referralexchange.registry.api.Dtos.SchemaRequest;
import org.referralexchange.registry.schema.CompatibilityResult;
import org.referralexchange.registry.schema.SchemaRegistryService;
import org.referralexchange.registry.schema.VersionSpec;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /compatibility}: would this schema be accepted, without registering it. */
@RestController
@RequestMapping(
    path = "/compatibility/subjects/{subject}/versions",
    produces = {
      ConfluentMediaTypes.V1_JSON,
      ConfluentMediaTypes.DEFAULT_JSON,
      MediaType.APPLICATION_JSON_VALUE
    })
class CompatibilityController {

  private final SchemaRegistryService registry;

  CompatibilityController(SchemaRegistryService registry) {
    this.registry = registry;
  }

  /** Against one version, or "latest" (then as the subject's level requires). */
  @PostMapping("/{version}")
  CompatibilityCheck againstVersion(
      @PathVariable String subject,
      @PathVariable String version,
      @RequestBody SchemaRequest request,
      @RequestParam(defaultValue = "false") boolean verbose) {
    return answer(
        registry.checkCompatibility(
            subject, VersionSpec.parse(version), SubjectsController.parse(request)),
        verbose);
  }

  /** Against the versions the subject's level requires; true for a subject with none. */
  @PostMapping
  CompatibilityCheck againstLevel(
      @PathVariable String subject,
      @RequestBody SchemaRequest request,
      @RequestParam(defaultValue = "false") boolean verbose) {
    return answer(
        registry.checkCompatibility(subject, null, SubjectsController.parse(request)), verbose);
  }

  private static CompatibilityCheck answer(CompatibilityResult result, boolean verbose) {
    return new CompatibilityCheck(result.compatible(), verbose ? result.messages() : null);
  }
}
