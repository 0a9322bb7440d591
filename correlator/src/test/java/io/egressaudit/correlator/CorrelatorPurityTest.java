package io.egressaudit.correlator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The correlator is the pure domain: no framework, no database, no JSON, no files, no network (so
 * no DNS lookups either). Other modules bring the I/O.
 */
class CorrelatorPurityTest {

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests())
            .importPackages("io.egressaudit.correlator");
  }

  @Test
  void importsTheMainClassesAndNoTestClass() {
    assertThat(classes.contain(Correlator.class)).isTrue();
    assertThat(classes.contain(SourceIp.class)).isTrue();
    assertThat(classes.contain(CorrelatorPurityTest.class)).isFalse();
  }

  @Test
  void correlatorDependsOnNoFramework() {
    noClasses()
        .that()
        .resideInAPackage("io.egressaudit.correlator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vertx..", "io.fabric8..")
        .check(classes);
  }

  @Test
  void correlatorDependsOnNoDatabase() {
    noClasses()
        .that()
        .resideInAPackage("io.egressaudit.correlator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.sql..", "javax.sql..")
        .check(classes);
  }

  @Test
  void correlatorDependsOnNoJsonLibrary() {
    noClasses()
        .that()
        .resideInAPackage("io.egressaudit.correlator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("tools.jackson..", "com.fasterxml..")
        .check(classes);
  }

  @Test
  void correlatorDoesNoFileOrStreamIo() {
    noClasses()
        .that()
        .resideInAPackage("io.egressaudit.correlator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.io..", "java.nio.file..")
        .check(classes);
  }

  @Test
  void correlatorUsesNoNetworkSoNoDnsAndNoSockets() {
    noClasses()
        .that()
        .resideInAPackage("io.egressaudit.correlator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.net..", "javax.net..", "java.net.http..")
        .check(classes);
  }
}
