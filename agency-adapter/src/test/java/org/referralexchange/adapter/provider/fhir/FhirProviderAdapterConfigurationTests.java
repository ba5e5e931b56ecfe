package org.referralexchange.adapter.provider.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class FhirProviderAdapterConfigurationTests {

  private final ApplicationContextRunner context =
      new ApplicationContextRunner().withUserConfiguration(FhirProviderAdapter.class);

  @Test
  void registersTheFhirKindByDefault() {
    context.run(
        started ->
            assertThat(started.getBeansOfType(ProviderAdapter.class).values())
                .extracting(ProviderAdapter::kind)
                .containsExactly("fhir"));
  }

  @Test
  void canBeSwitchedOff() {
    context
        .withPropertyValues("exchange.adapters.fhir.enabled=false")
        .run(started -> assertThat(started).doesNotHaveBean(FhirProviderAdapter.class));
  }
}
