package io.egressaudit.probes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The ClusterRoles shipped in deploy/probe-rbac.yaml grant every permission the preflights ask: the
 * main one what probe and drill failover --trigger none need, the unlabel one (which a team may
 * omit) the node patch of --trigger unlabel.
 */
class ProbeRbacTest {

  static List<JsonNode> documents() throws Exception {
    YAMLMapper yaml = YAMLMapper.builder().build();
    List<JsonNode> docs = new ArrayList<>();
    try (var it =
        yaml.readerFor(JsonNode.class).readValues(Path.of("../deploy/probe-rbac.yaml").toFile())) {
      while (it.hasNextValue()) {
        docs.add((JsonNode) it.nextValue());
      }
    }
    return docs;
  }

  static boolean grants(JsonNode role, AccessPreflight.Permission p) {
    String resource = p.resource() + (p.subresource() == null ? "" : "/" + p.subresource());
    for (JsonNode rule : role.get("rules")) {
      if (contains(rule.get("apiGroups"), p.group())
          && contains(rule.get("resources"), resource)
          && contains(rule.get("verbs"), p.verb())) {
        return true;
      }
    }
    return false;
  }

  static boolean contains(JsonNode list, String value) {
    for (JsonNode v : list) {
      if (v.asString().equals(value)) {
        return true;
      }
    }
    return false;
  }

  static JsonNode named(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.get("kind").asString().equals(kind))
        .filter(d -> d.get("metadata").get("name").asString().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  @Test
  void theShippedClusterRoleGrantsEveryPermissionTheRunChecksAndIsBound() throws Exception {
    List<JsonNode> docs = documents();
    JsonNode role =
        docs.stream()
            .filter(d -> d.get("kind").asString().equals("ClusterRole"))
            .findFirst()
            .orElseThrow();
    JsonNode binding =
        docs.stream()
            .filter(d -> d.get("kind").asString().equals("ClusterRoleBinding"))
            .findFirst()
            .orElseThrow();

    assertThat(AccessPreflight.NEEDED)
        .allSatisfy(p -> assertThat(grants(role, p)).as(p.describe()).isTrue());
    assertThat(binding.get("roleRef").get("name").asString())
        .isEqualTo(role.get("metadata").get("name").asString());
    assertThat(binding.get("subjects").get(0).get("kind").asString()).isEqualTo("ServiceAccount");
  }

  @Test
  void aDrillWithoutUnlabelNeedsOnlyTheMainRoleAndTheUnlabelRoleGrantsTheNodePatch()
      throws Exception {
    List<JsonNode> docs = documents();
    JsonNode main = named(docs, "ClusterRole", "egress-audit-prober");
    JsonNode unlabel = named(docs, "ClusterRole", AccessPreflight.UNLABEL_ROLE);
    JsonNode binding = named(docs, "ClusterRoleBinding", AccessPreflight.UNLABEL_ROLE);

    assertThat(AccessPreflight.forDrill(false))
        .allSatisfy(p -> assertThat(grants(main, p)).as(p.describe()).isTrue());
    assertThat(grants(main, new AccessPreflight.Permission("patch", "", "nodes", null)))
        .as("the main role changes no node")
        .isFalse();
    assertThat(AccessPreflight.forDrill(true))
        .containsAll(AccessPreflight.UNLABEL)
        .allSatisfy(
            p -> assertThat(grants(main, p) || grants(unlabel, p)).as(p.describe()).isTrue());
    assertThat(AccessPreflight.UNLABEL)
        .allSatisfy(p -> assertThat(grants(unlabel, p)).as(p.describe()).isTrue());
    assertThat(binding.get("roleRef").get("name").asString())
        .isEqualTo(AccessPreflight.UNLABEL_ROLE);
    assertThat(binding.get("subjects").get(0).get("name").asString())
        .isEqualTo("egress-audit-prober");
  }

  @Test
  void aRoleWithoutExecIsCaught() throws Exception {
    JsonNode role =
        YAMLMapper.builder()
            .build()
            .readTree("rules: [{apiGroups: [\"\"], resources: [pods], verbs: [list]}]");

    assertThat(grants(role, new AccessPreflight.Permission("create", "", "pods", "exec")))
        .isFalse();
    assertThat(grants(role, new AccessPreflight.Permission("list", "", "pods", null))).isTrue();
  }
}
