package org.referralexchange.notifier;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The notifier never touches client data, and its rules stay plain Java. */
@AnalyzeClasses(
    packages = "org.referralexchange.notifier",
    importOptions = ImportOption.DoNotIncludeTests.class)
class NotifierArchitectureTests {

  @ArchTest
  static final ArchRule neverOpensTheClientBlock =
      noClasses()
          .that()
          .resideInAPackage("org.referralexchange.notifier..")
          .should()
          .dependOnClassesThat()
          .haveSimpleNameEndingWith("ClientBlock")
          .orShould()
          .dependOnClassesThat()
          .haveSimpleNameEndingWith("ClientIdentity")
          .orShould()
          .dependOnClassesThat()
          .haveSimpleNameEndingWith("ReferralNarrative")
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("org.referralexchange.envelope..");

  @ArchTest
  static final ArchRule rulesDependOnNoFramework =
      noClasses()
          .that()
          .haveSimpleNameEndingWith("NotificationRules")
          .or()
          .haveSimpleName("QuietHours")
          .or()
          .haveSimpleName("Masking")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.springframework..", "org.apache.kafka..", "jakarta..");
}
