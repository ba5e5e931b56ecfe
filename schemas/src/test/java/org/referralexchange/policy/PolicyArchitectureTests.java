package org.referralexchange.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Business rules stay plain Java: no Spring, no Kafka, no HTTP in policies. */
@AnalyzeClasses(packages = "org.referralexchange.policy")
class PolicyArchitectureTests {

  @ArchTest
  static final ArchRule policiesDependOnNoFramework =
      noClasses()
          .that()
          .resideInAPackage("org.referralexchange.policy..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.springframework..", "org.apache.kafka..", "jakarta..", "java.net.http..");
}
