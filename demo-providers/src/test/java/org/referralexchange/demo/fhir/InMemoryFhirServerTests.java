package org.referralexchange.demo.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The in-memory FHIR server's teardown: nothing of it is left in the temp folder. */
class InMemoryFhirServerTests {

  @Test
  void closingDeletesItsTomcatDirectory() throws Exception {
    InMemoryFhirServer server = InMemoryFhirServer.start(FhirContext.forR4());
    Path baseDir = server.baseDir();
    assertThat(baseDir).isDirectory();
    assertThat(baseDir.getFileName().toString()).startsWith("in-memory-fhir-server");

    server.close();

    assertThat(Files.exists(baseDir)).isFalse();
  }

  @Test
  void closingAStoppedServerStillDeletesItsTomcatDirectory() throws Exception {
    InMemoryFhirServer server = InMemoryFhirServer.start(FhirContext.forR4());
    Path baseDir = server.baseDir();
    server.stop();

    server.close();

    assertThat(Files.exists(baseDir)).isFalse();
  }
}
