package org.referralexchange.registry.api;

import org.referralexchange.registry.api.Dtos.Config;
import org.referralexchange.registry.api.Dtos.ConfigUpdate;
import org.referralexchange.registry.api.Dtos.ConfigUpdated;
import org.referralexchange.registry.schema.RegistryException;
import org.referralexchange.registry.schema.SchemaRegistryService;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /config}: the global and per-subject compatibility levels. */
@RestController
@RequestMapping(
    path = "/config",
    produces = {
      ConfluentMediaTypes.V1_JSON,
      ConfluentMediaTypes.DEFAULT_JSON,
      MediaType.APPLICATION_JSON_VALUE
    })
class ConfigController {

  private final SchemaRegistryService registry;

  ConfigController(SchemaRegistryService registry) {
    this.registry = registry;
  }

  @GetMapping
  Config global() {
    return new Config(registry.globalLevel().name());
  }

  @PutMapping
  ConfigUpdated setGlobal(@RequestBody ConfigUpdate update) {
    return new ConfigUpdated(registry.setGlobalLevel(level(update)).name());
  }

  @DeleteMapping
  Config resetGlobal() {
    return new Config(registry.deleteGlobalLevel().name());
  }

  @GetMapping("/{subject}")
  Config subject(
      @PathVariable String subject, @RequestParam(defaultValue = "false") boolean defaultToGlobal) {
    return new Config(registry.subjectLevel(subject, defaultToGlobal).name());
  }

  @PutMapping("/{subject}")
  ConfigUpdated setSubject(@PathVariable String subject, @RequestBody ConfigUpdate update) {
    return new ConfigUpdated(registry.setSubjectLevel(subject, level(update)).name());
  }

  @DeleteMapping("/{subject}")
  Config deleteSubject(@PathVariable String subject) {
    return new Config(registry.deleteSubjectLevel(subject).name());
  }

  private static CompatibilityLevel level(ConfigUpdate update) {
    try {
      return CompatibilityLevel.parse(update.level());
    } catch (IllegalArgumentException unknown) {
      throw RegistryException.invalidCompatibilityLevel(update.level());
    }
  }
}
