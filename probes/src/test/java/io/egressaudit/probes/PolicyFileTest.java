package io.egressaudit.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.probe.ProbePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyFileTest {

  @TempDir Path dir;

  Path file(String text) throws Exception {
    return Files.writeString(dir.resolve("policy.yaml"), text);
  }

  @Test
  void readsAllowedSourcesAndMustNotArriveNamespaces() throws Exception {
    ProbePolicy p =
        PolicyFile.load(
            file(
                """
                # owned by the firewall team
                namespaces:
                  simpson:
                    allow: [192.168.126.100, 192.168.126.101]
                  bouvier:
                    allow:
                      - 192.168.126.0/24
                  flanders:
                    mustNotArrive: true
                """));

    assertThat(p.namespaces()).containsOnlyKeys("bouvier", "flanders", "simpson");
    assertThat(p.rule("simpson").allow()).hasToString("[192.168.126.100, 192.168.126.101]");
    assertThat(p.rule("bouvier").allow().get(0).contains("192.168.126.53")).isTrue();
    assertThat(p.rule("flanders").mustNotArrive()).isTrue();
    assertThat(p.rule("krusty")).isNull();
  }

  @Test
  void aWrongEntryIsNamedWithFileLineAndField() throws Exception {
    Path f =
        file(
            """
            namespaces:
              simpson:
                allow:
                  - 192.168.126.100
                  - bastion.example.com
            """);

    assertThatThrownBy(() -> PolicyFile.load(f))
        .isInstanceOf(PolicyFileException.class)
        .hasMessage(
            f + ":5: namespaces.simpson.allow[1]: not an IP address: 'bastion.example.com'");
  }

  @Test
  void aMisspeltKeyIsAnErrorRatherThanSilentlyIgnored() throws Exception {
    Path f =
        file(
            """
            namespaces:
              flanders:
                mustNotArive: true
            """);

    assertThatThrownBy(() -> PolicyFile.load(f))
        .hasMessage(
            f
                + ":3: namespaces.flanders.mustNotArive: unknown key (expected allow or mustNotArrive)");
  }

  @Test
  void aNamespaceNeedsExactlyOneOfAllowAndMustNotArrive() throws Exception {
    Path both =
        file(
            """
            namespaces:
              flanders:
                mustNotArrive: true
                allow: [10.0.0.1]
            """);
    assertThatThrownBy(() -> PolicyFile.load(both))
        .hasMessageStartingWith(
            both + ":2: namespaces.flanders: give either allow or mustNotArrive");

    Path neither = file("namespaces:\n  flanders: {}\n");
    assertThatThrownBy(() -> PolicyFile.load(neither))
        .hasMessageStartingWith(neither + ":2: namespaces.flanders: give allow");
  }

  @Test
  void shapesAndYamlErrorsAreNamed() throws Exception {
    Path list = file("namespaces:\n  simpson:\n    allow: 10.0.0.1\n");
    assertThatThrownBy(() -> PolicyFile.load(list))
        .hasMessage(list + ":3: namespaces.simpson.allow: expected a list, found '10.0.0.1'");

    Path empty = file("");
    assertThatThrownBy(() -> PolicyFile.load(empty)).hasMessageContaining("empty file");

    Path broken = file("namespaces:\n  simpson: [\n");
    assertThatThrownBy(() -> PolicyFile.load(broken)).hasMessageContaining(broken + ":");

    assertThatThrownBy(() -> PolicyFile.load(dir.resolve("missing.yaml")))
        .hasMessage(dir.resolve("missing.yaml") + ": no such file");
  }

  @Test
  void theExamplePolicyIsValid() {
    ProbePolicy p = PolicyFile.load(Path.of("../examples/probe-policy.yaml"));

    assertThat(p.namespaces()).containsOnlyKeys("bouvier", "flanders", "simpson");
  }
}
