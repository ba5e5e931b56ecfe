package org.referralexchange.registry.api;

import java.util.List;
import java.util.Map;
import org.referralexchange.registry.api.Dtos.SchemaString;
import org.referralexchange.registry.api.Dtos.SubjectVersion;
import org.referralexchange.registry.schema.SchemaRegistryService;
import org.referralexchange.registry.store.SchemaVersion;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /schemas}: schemas by global id, as deserializers fetch them; and the root. */
@RestController
@RequestMapping(
    produces = {
      ConfluentMediaTypes.V1_JSON,
      ConfluentMediaTypes.DEFAULT_JSON,
      MediaType.APPLICATION_JSON_VALUE
    })
class SchemasController {

  private final SchemaRegistryService registry;

  SchemasController(SchemaRegistryService registry) {
    this.registry = registry;
  }

  /** Confluent answers {@code {}} at the root; handy as a liveness probe. */
  @GetMapping("/")
  Map<String, Object> root() {
    return Map.of();
  }

  @GetMapping("/schemas/types")
  List<String> types() {
    return List.of("AVRO");
  }

  @GetMapping("/schemas/ids/{id}")
  SchemaString schema(@PathVariable int id) {
    return new SchemaString(registry.schemaById(id));
  }

  @GetMapping("/schemas/ids/{id}/schema")
  String rawSchema(@PathVariable int id) {
    return registry.schemaById(id);
  }

  @GetMapping("/schemas/ids/{id}/versions")
  List<SubjectVersion> versions(
      @PathVariable int id, @RequestParam(defaultValue = "false") boolean deleted) {
    return registry.usages(id, deleted).stream()
        .map(v -> new SubjectVersion(v.subject(), v.version()))
        .toList();
  }

  @GetMapping("/schemas/ids/{id}/subjects")
  List<String> subjects(
      @PathVariable int id, @RequestParam(defaultValue = "false") boolean deleted) {
    return registry.usages(id, deleted).stream().map(SchemaVersion::subject).distinct().toList();
  }
}
