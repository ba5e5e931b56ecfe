package org.referralexchange.registry.api;

import java.util.List;
import org.referralexchange.registry.api.Dtos.RegisterResponse;
import org.referralexchange.registry.api.Dtos.SchemaRequest;
import org.referralexchange.registry.api.Dtos.SubjectVersionSchema;
import org.referralexchange.registry.schema.SchemaInput;
import org.referralexchange.registry.schema.SchemaRegistryService;
import org.referralexchange.registry.schema.VersionSpec;
import org.referralexchange.registry.store.SchemaVersion;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /subjects}: register, look up, list, read and delete schema versions. */
@RestController
@RequestMapping(
    path = "/subjects",
    produces = {
      ConfluentMediaTypes.V1_JSON,
      ConfluentMediaTypes.DEFAULT_JSON,
      MediaType.APPLICATION_JSON_VALUE
    })
class SubjectsController {

  private final SchemaRegistryService registry;

  SubjectsController(SchemaRegistryService registry) {
    this.registry = registry;
  }

  @GetMapping
  List<String> subjects(@RequestParam(defaultValue = "false") boolean deleted) {
    return registry.subjects(deleted);
  }

  @PostMapping("/{subject}/versions")
  RegisterResponse register(@PathVariable String subject, @RequestBody SchemaRequest request) {
    return new RegisterResponse(registry.register(subject, parse(request)));
  }

  @PostMapping("/{subject}")
  SubjectVersionSchema lookup(
      @PathVariable String subject,
      @RequestBody SchemaRequest request,
      @RequestParam(defaultValue = "false") boolean deleted) {
    return SubjectVersionSchema.of(registry.lookup(subject, parse(request), deleted));
  }

  @GetMapping("/{subject}/versions")
  List<Integer> versions(
      @PathVariable String subject, @RequestParam(defaultValue = "false") boolean deleted) {
    return registry.versions(subject, deleted).stream().map(SchemaVersion::version).toList();
  }

  @GetMapping("/{subject}/versions/{version}")
  SubjectVersionSchema version(
      @PathVariable String subject,
      @PathVariable String version,
      @RequestParam(defaultValue = "false") boolean deleted) {
    return SubjectVersionSchema.of(registry.version(subject, VersionSpec.parse(version), deleted));
  }

  /** The bare schema text, as Confluent's {@code .../schema} endpoint answers. */
  @GetMapping("/{subject}/versions/{version}/schema")
  String versionSchema(
      @PathVariable String subject,
      @PathVariable String version,
      @RequestParam(defaultValue = "false") boolean deleted) {
    return registry.version(subject, VersionSpec.parse(version), deleted).schema();
  }

  @DeleteMapping("/{subject}")
  List<Integer> deleteSubject(
      @PathVariable String subject, @RequestParam(defaultValue = "false") boolean permanent) {
    return registry.deleteSubject(subject, permanent);
  }

  @DeleteMapping("/{subject}/versions/{version}")
  int deleteVersion(
      @PathVariable String subject,
      @PathVariable String version,
      @RequestParam(defaultValue = "false") boolean permanent) {
    return registry.deleteVersion(subject, VersionSpec.parse(version), permanent);
  }

  static SchemaInput parse(SchemaRequest request) {
    return SchemaInput.parse(request.schema(), request.schemaType(), request.references());
  }
}
