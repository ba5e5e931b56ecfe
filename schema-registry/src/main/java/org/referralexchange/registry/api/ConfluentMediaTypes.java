package org.referralexchange.registry.api;

import org.springframework.http.MediaType;

/** The media types Confluent's registry speaks; v1 is what it answers with. */
final class ConfluentMediaTypes {

  static final String V1_JSON = "application/vnd.schemaregistry.v1+json";
  static final String DEFAULT_JSON = "application/vnd.schemaregistry+json";
  static final MediaType V1 = MediaType.parseMediaType(V1_JSON);

  private ConfluentMediaTypes() {}
}
