package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStateFileTest {

  @TempDir Path dir;

  /** A small kubectl-style List with one object of each kind. */
  static final String LIST_YAML =
      """
      apiVersion: v1
      items:
      - apiVersion: v1
        kind: Node
        metadata:
          annotations:
            k8s.ovn.org/node-primary-ifaddr: '{"ipv4":"192.168.126.51/24"}'
          labels:
            k8s.ovn.org/egress-assignable: ""
            kubernetes.io/hostname: ocp-8vr6j-worker-0-sl79n
          name: ocp-8vr6j-worker-0-sl79n
        status:
          addresses:
          - address: 192.168.126.51
            type: InternalIP
          - address: ocp-8vr6j-worker-0-sl79n
            type: Hostname
          conditions:
          - status: "False"
            type: MemoryPressure
          - status: "True"
            type: Ready
      - apiVersion: v1
        kind: Namespace
        metadata:
          labels:
            house: simpson
            kubernetes.io/metadata.name: simpson
          name: simpson
      - apiVersion: v1
        kind: Pod
        metadata:
          labels:
            app: homer
          name: homer-deployment-5b7857cc48-fs2w4
          namespace: simpson
        spec:
          containers:
          - image: registry.example.com/container-helper:latest
            name: container-helper
          nodeName: ocp-8vr6j-worker-0-sl79n
        status:
          hostIP: 192.168.126.51
          phase: Running
          podIP: 10.129.3.232
          podIPs:
          - ip: 10.129.3.232
      - apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata:
          name: egressip-demo
        spec:
          egressIPs:
          - 192.168.126.100
          namespaceSelector:
            matchLabels:
              house: simpson
          podSelector: {}
        status:
          items:
          - egressIP: 192.168.126.100
            node: ocp-8vr6j-worker-0-sl79n
      kind: List
      metadata:
        resourceVersion: ""
        selfLink: ""
      """;

  static final List<ClusterObject> LIST_OBJECTS =
      List.of(
          new NodeState(
              "ocp-8vr6j-worker-0-sl79n",
              List.of("192.168.126.51"),
              Map.of(
                  "k8s.ovn.org/egress-assignable", "",
                  "kubernetes.io/hostname", "ocp-8vr6j-worker-0-sl79n"),
              true,
              List.of("192.168.126.51/24")),
          new NamespaceState(
              "simpson", Map.of("house", "simpson", "kubernetes.io/metadata.name", "simpson")),
          new PodState(
              "simpson",
              "homer-deployment-5b7857cc48-fs2w4",
              "ocp-8vr6j-worker-0-sl79n",
              List.of("10.129.3.232"),
              false,
              Map.of("app", "homer"),
              "Running"),
          new EgressIpState(
              "egressip-demo",
              List.of("192.168.126.100"),
              new LabelSelector(Map.of("house", "simpson"), List.of()),
              LabelSelector.EVERYTHING,
              List.of(new EgressIpAssignment("192.168.126.100", "ocp-8vr6j-worker-0-sl79n"))));

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private void assertFails(Path file, String messageAfterFile) {
    assertThatThrownBy(() -> ClusterStateFile.load(file))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessage(file + messageAfterFile);
  }

  @Test
  void readsAKubectlListInYaml() throws IOException {
    LoadedClusterState state = ClusterStateFile.load(write("cluster.yaml", LIST_YAML));

    assertThat(state.objects()).containsExactlyElementsOf(LIST_OBJECTS);
    assertThat(state.notes()).isEmpty();
  }

  @Test
  void readsAKubectlListInJson() throws IOException {
    String json =
        """
        {
            "apiVersion": "v1",
            "items": [
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "annotations": {
                            "k8s.ovn.org/node-primary-ifaddr": "{\\"ipv4\\":\\"192.168.126.51/24\\"}"
                        },
                        "labels": {
                            "k8s.ovn.org/egress-assignable": "",
                            "kubernetes.io/hostname": "ocp-8vr6j-worker-0-sl79n"
                        },
                        "name": "ocp-8vr6j-worker-0-sl79n"
                    },
                    "status": {
                        "addresses": [
                            {"address": "192.168.126.51", "type": "InternalIP"},
                            {"address": "ocp-8vr6j-worker-0-sl79n", "type": "Hostname"}
                        ],
                        "conditions": [{"status": "True", "type": "Ready"}]
                    }
                },
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {
                        "labels": {"house": "simpson", "kubernetes.io/metadata.name": "simpson"},
                        "name": "simpson"
                    }
                },
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "labels": {"app": "homer"},
                        "name": "homer-deployment-5b7857cc48-fs2w4",
                        "namespace": "simpson"
                    },
                    "spec": {"nodeName": "ocp-8vr6j-worker-0-sl79n"},
                    "status": {
                        "phase": "Running",
                        "podIP": "10.129.3.232",
                        "podIPs": [{"ip": "10.129.3.232"}]
                    }
                },
                {
                \t"apiVersion": "k8s.ovn.org/v1",
                \t"kind": "EgressIP",
                \t"metadata": {"name": "egressip-demo"},
                \t"spec": {
                \t\t"egressIPs": ["192.168.126.100"],
                \t\t"namespaceSelector": {"matchLabels": {"house": "simpson"}},
                \t\t"podSelector": {}
                \t},
                \t"status": {"items": [{"egressIP": "192.168.126.100", "node": "ocp-8vr6j-worker-0-sl79n"}]}
                }
            ],
            "kind": "List",
            "metadata": {"resourceVersion": "", "selfLink": ""}
        }
        """;

    LoadedClusterState state = ClusterStateFile.load(write("cluster.json", json));

    assertThat(state.objects()).containsExactlyElementsOf(LIST_OBJECTS);
  }

  @Test
  void readsSeveralDocumentsMixingListsSingleObjectsAndJson() throws IOException {
    String yaml =
        """
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: bouvier
          labels:
            house: bouvier
        ---
        apiVersion: v1
        kind: PodList
        items:
        - apiVersion: v1
          kind: Pod
          metadata: {name: patty-deployment-6b9c8d7f5-k2xqz, namespace: bouvier, labels: {app: patty}}
          spec: {nodeName: ocp-8vr6j-worker-0-82t6f}
          status: {phase: Running, podIP: 10.128.3.139}
        ---
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
        ---
        """;

    LoadedClusterState state = ClusterStateFile.load(write("mixed.yaml", yaml));

    assertThat(state.objects())
        .containsExactly(
            new NamespaceState("bouvier", Map.of("house", "bouvier")),
            new PodState(
                "bouvier",
                "patty-deployment-6b9c8d7f5-k2xqz",
                "ocp-8vr6j-worker-0-82t6f",
                List.of("10.128.3.139"),
                false,
                Map.of("app", "patty"),
                "Running"),
            new NamespaceState("default", Map.of()));
  }

  @Test
  void skipsUnknownKindsWithOneNotePerKind() throws IOException {
    String yaml =
        """
        apiVersion: v1
        items:
        - {apiVersion: apps/v1, kind: Deployment, metadata: {name: homer-deployment, namespace: simpson}}
        - {apiVersion: v1, kind: Service, metadata: {name: homer, namespace: simpson}}
        - {apiVersion: apps/v1, kind: Deployment, metadata: {name: marge-deployment, namespace: simpson}}
        - {apiVersion: v1, kind: Namespace, metadata: {name: simpson}}
        kind: List
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: patty-deployment, namespace: bouvier}
        ---
        apiVersion: k8s.ovn.org/v2
        kind: EgressIP
        metadata: {name: from-the-future}
        """;

    LoadedClusterState state = ClusterStateFile.load(write("cluster.yaml", yaml));

    assertThat(state.objects()).containsExactly(new NamespaceState("simpson", Map.of()));
    assertThat(state.notes())
        .containsExactly(
            "skipped 3 objects of kind Deployment",
            "skipped 1 object of kind Service",
            "skipped 1 object of kind EgressIP (apiVersion k8s.ovn.org/v2)");
  }

  @Test
  void aKindThatIsATypoOfOneAttributionReadsIsRefusedAtItsLine() throws IOException {
    String head =
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n";
    assertFails(
        write("nodez.yaml", head + "- apiVersion: v1\n  kind: Nodez\n  metadata: {name: w1}\n"),
        ":6:9: document 1, items[1] (Nodez w1): kind: 'Nodez' is not a kind; did you mean Node?"
            + " (other kinds, such as Service, are skipped, but one this close to Node is taken"
            + " as a typo that would end its history)");
    for (String typo : List.of("node", "Pods", "Namespce", "EgressIp", "EgresIP", "NAMESPACE")) {
      assertThatThrownBy(
              () ->
                  ClusterStateFile.load(
                      write("typo.yaml", head + "- {apiVersion: x/v1, kind: " + typo + "}\n")))
          .as(typo)
          .isInstanceOf(ClusterStateFileException.class)
          .hasMessageContaining("kind: '" + typo + "' is not a kind; did you mean");
    }
    assertFails(
        write("ovn.yaml", head + "- {apiVersion: k8s.ovn.org/v1, kind: EgressAddress}\n"),
        ":5:38: document 1, items[1] (EgressAddress): kind: 'EgressAddress' is not a kind of"
            + " k8s.ovn.org/v1 that egress-audit knows (EgressIP is read, EgressFirewall,"
            + " EgressQoS, ... skipped)");
    assertFails(
        write("core.yaml", head + "- {apiVersion: v1, kind: Nodes2, metadata: {name: n}}\n"),
        ":5:26: document 1, items[1] (Nodes2 n): kind: 'Nodes2' is not a kind of apiVersion v1"
            + " (Node, Namespace and Pod are read, Service, ConfigMap, ... skipped)");
  }

  @Test
  void kindsOfKubectlGetAllAreSkippedEvenWhenTheyLookLikeOnesRead() throws IOException {
    StringBuilder yaml =
        new StringBuilder(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n");
    for (String kind :
        List.of(
            "apps/v1 Deployment",
            "batch/v1 Job",
            "batch/v1 CronJob",
            "v1 Service",
            "rbac.authorization.k8s.io/v1 Role",
            "k8s.ovn.org/v1 EgressFirewall",
            "v1 Secret",
            "route.openshift.io/v1 Route")) {
      String[] parts = kind.split(" ");
      yaml.append("- {apiVersion: ")
          .append(parts[0])
          .append(", kind: ")
          .append(parts[1])
          .append("}\n");
    }

    LoadedClusterState state = ClusterStateFile.load(write("all.yaml", yaml.toString()));

    assertThat(state.objects()).hasSize(1);
    assertThat(state.notes()).hasSize(8);
  }

  @Test
  void nestingDeeperThanTheLimitIsNamedWithItsLine() throws IOException {
    String deep = "{\"a\":".repeat(501) + "1" + "}".repeat(501);
    assertThatThrownBy(
            () ->
                ClusterStateFile.load(
                    write("deep.json", "{\"kind\": \"List\", \"x\": " + deep + "}")))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessageMatching(".*deep\\.json:1:\\d+: nested deeper than 500 levels .*");
    String yaml =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nx: "
            + "[".repeat(501)
            + "]".repeat(501)
            + "\n";
    assertThatThrownBy(() -> ClusterStateFile.load(write("deep.yaml", yaml)))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessageMatching(".*deep\\.yaml:4:\\d+: nested deeper than 500 levels .*");
  }

  @Test
  void aListCutShortInItsLastItemSaysTheFieldAndThatItMayBeTruncated() throws IOException {
    String cut =
        "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n"
            + "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: w1\n  status:\n    add";
    assertFails(
        write("cut.yaml", cut),
        ":11:5: document 1, items[1] (Node w1): status: expected a mapping, found 'add'; the file"
            + " ends in this object, before the list's kind: it may be truncated");
    // the same error in a whole list is not said to be a truncation
    assertThatThrownBy(
            () -> ClusterStateFile.load(write("whole.yaml", cut + "\nkind: List\nmetadata: {}\n")))
        .hasMessageEndingWith("status: expected a mapping, found 'add'");
    assertThatThrownBy(
            () ->
                ClusterStateFile.load(
                    write("cut.json", "{\"kind\": \"List\", \"items\": [{\"kind\"")))
        .hasMessageContaining("; the file ends here: it may be truncated");
  }

  @Test
  void aBinaryFileIsSaidNotToBeText() throws IOException {
    Path bin = dir.resolve("garbage.bin");
    Files.write(bin, new byte[] {'k', 'i', 'n', 'd', ':', ' ', (byte) 0xC3, 0x28, (byte) 0x80, 0});
    assertFails(
        bin,
        ": not UTF-8 or UTF-16 text (a binary or otherwise encoded file, not what kubectl get -o"
            + " yaml|json writes)");
  }

  @Test
  void canonicalisesIpv6AndIpv4MappedAddresses() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Node
        metadata:
          name: dual-stack
          annotations:
            k8s.ovn.org/node-primary-ifaddr: '{"ipv4":"192.168.126.51/24","ipv6":"2001:DB8:0:0:0:0:0:51/64"}'
        status:
          addresses:
          - {type: InternalIP, address: "2001:0db8::0051"}
          - {type: ExternalIP, address: "::ffff:192.168.126.51"}
          - {type: InternalIP, address: "::FFFF:c0a8:7e34"}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: ns}
        status:
          podIP: 10.129.3.232
          podIPs: [{ip: 10.129.3.232}, {ip: "FD01:0:0:3:0:0:0:E8"}]
        ---
        apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata: {name: e}
        spec:
          egressIPs: ["::ffff:192.168.126.100", "2001:db8:0::100"]
        status:
          items: [{egressIP: "::ffff:192.168.126.100", node: dual-stack}]
        """;

    List<ClusterObject> objects = ClusterStateFile.load(write("v6.yaml", yaml)).objects();

    assertThat(((NodeState) objects.get(0)).addresses())
        .containsExactly("2001:db8::51", "192.168.126.51", "192.168.126.52");
    assertThat(((NodeState) objects.get(0)).ready()).isFalse();
    assertThat(((PodState) objects.get(1)).podIps())
        .containsExactly("10.129.3.232", "fd01:0:0:3::e8");
    EgressIpState egressIp = (EgressIpState) objects.get(2);
    assertThat(egressIp.egressIPs()).containsExactly("192.168.126.100", "2001:db8::100");
    assertThat(egressIp.assignments())
        .containsExactly(new EgressIpAssignment("192.168.126.100", "dual-stack"));
    assertThat(egressIp.namespaceSelector()).isNull();
    assertThat(egressIp.podSelector()).isNull();
  }

  @Test
  void readsSelectorsWithMatchExpressionsAndAnEgressIpWithoutStatus() throws IOException {
    String yaml =
        """
        apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata:
          name: egressip-prod
        spec:
          egressIPs:
          - 192.168.126.101
          namespaceSelector:
            matchExpressions:
            - key: house
              operator: In
              values: [simpson, bouvier]
            - {key: quarantined, operator: DoesNotExist}
          podSelector:
            matchLabels:
              tier: "1"
            matchExpressions:
            - {key: app, operator: NotIn, values: [maggie]}
            - {key: egress, operator: Exists}
        """;

    List<ClusterObject> objects = ClusterStateFile.load(write("egressip.yaml", yaml)).objects();

    assertThat(objects)
        .containsExactly(
            new EgressIpState(
                "egressip-prod",
                List.of("192.168.126.101"),
                new LabelSelector(
                    Map.of(),
                    List.of(
                        new LabelSelector.Requirement(
                            "house", LabelSelector.Operator.IN, List.of("simpson", "bouvier")),
                        new LabelSelector.Requirement(
                            "quarantined", LabelSelector.Operator.DOES_NOT_EXIST, List.of()))),
                new LabelSelector(
                    Map.of("tier", "1"),
                    List.of(
                        new LabelSelector.Requirement(
                            "app", LabelSelector.Operator.NOT_IN, List.of("maggie")),
                        new LabelSelector.Requirement(
                            "egress", LabelSelector.Operator.EXISTS, List.of()))),
                List.of()));
    assertThat(((EgressIpState) objects.get(0)).assigned()).isFalse();
  }

  @Test
  void loadsFilesOfTensOfMegabytes() throws IOException {
    StringBuilder sb = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
    String padding = "x".repeat(8000);
    int pods = 2500;
    for (int i = 0; i < pods; i++) {
      sb.append("- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: pod-")
          .append(i)
          .append("\n    namespace: big\n    annotations:\n      padding: ")
          .append(padding)
          .append("\n  status:\n    podIP: 10.128.")
          .append(i / 250)
          .append('.')
          .append(i % 250)
          .append('\n');
    }
    Path file = write("big.yaml", sb.toString());
    assertThat(Files.size(file)).isGreaterThan(20_000_000L);

    LoadedClusterState state = ClusterStateFile.load(file);

    assertThat(state.objects()).hasSize(pods);
    assertThat(((PodState) state.objects().get(pods - 1)).podIps()).containsExactly("10.128.9.249");
  }

  // ---------------------------------------------------------------- errors

  @Test
  void rejectsAMissingFile() {
    assertFails(dir.resolve("nope.yaml"), ": no such file");
  }

  @Test
  void rejectsADirectory() {
    assertFails(dir, ": is a directory, not a file");
  }

  @Test
  void rejectsAnUnreadableFile() throws IOException {
    Path file = write("secret.yaml", LIST_YAML);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    assumeThat(Files.isReadable(file)).as("not running as root").isFalse();

    assertFails(file, ": cannot read: permission denied");
  }

  @Test
  void rejectsAFileLargerThanTheCap() throws IOException {
    Path file = dir.resolve("huge.yaml");
    try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(ClusterStateFile.MAX_FILE_BYTES + 1);
    }
    assertFails(file, ": too large: 268435457 bytes (the limit is 268435456)");
  }

  @Test
  void rejectsAnEmptyFile() throws IOException {
    assertFails(write("empty.yaml", ""), ": empty file: no objects");
    assertFails(write("comments.yaml", "# nothing here\n---\n---\n"), ": empty file: no objects");
  }

  @Test
  void rejectsAFileWithoutAnyObjectAttributionUses() throws IOException {
    assertFails(
        write("empty-list.yaml", "apiVersion: v1\nitems: []\nkind: List\n"),
        ": no Node, Namespace, Pod or EgressIP objects");
    assertFails(
        write(
            "services.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\n"),
        ": no Node, Namespace, Pod or EgressIP objects (skipped 1 object of kind Service)");
  }

  @Test
  void reportsMalformedYamlWithLineAndColumn() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: simpson
            labels: {}
        """;
    assertFails(
        write("cluster.yaml", yaml), ":5:11: malformed YAML: mapping values are not allowed here");

    String unclosed =
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: simpson, labels: [house
        spec: {}
        """;
    assertFails(
        write("unclosed.yaml", unclosed),
        ":4:5: malformed YAML: while parsing a flow sequence (line 3, column 35):"
            + " expected ',' or ']', but got :");
  }

  @Test
  void reportsMalformedJsonWithLineAndColumn() throws IOException {
    String json =
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\"\n  \"metadata\": {}\n}\n";
    assertFails(
        write("cluster.json", json),
        ":4:3: malformed JSON: Unexpected character ('\"' (code 34)): was expecting comma to"
            + " separate Object entries");
  }

  @Test
  void rejectsDuplicateKeys() throws IOException {
    String yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n";
    assertFails(write("cluster.yaml", yaml), ":5:3: malformed YAML: duplicate key \"name\"");
  }

  @Test
  void rejectsADocumentThatIsNotAMapping() throws IOException {
    String yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n- just\n- a list\n";
    assertFails(
        write("cluster.yaml", yaml),
        ":5:1: document 2: not a mapping (found a list): expected a kubectl dump (kubectl get ..."
            + " -o yaml or -o json)");
    assertFails(
        write("scalar.yaml", "hello\n"),
        ":1:1: document 1: not a mapping (found a string): expected a kubectl dump (kubectl get"
            + " ... -o yaml or -o json)");
  }

  @Test
  void rejectsAnItemThatIsNotAMapping() throws IOException {
    String yaml =
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- oops\n";
    assertFails(
        write("cluster.yaml", yaml), ":5: document 1, items[1]: not a mapping (found 'oops')");
  }

  @Test
  void rejectsListItemsOrMetadataThatAreNotWhatKubectlWrites() throws IOException {
    assertFails(
        write("items.yaml", "apiVersion: v1\nkind: List\nitems: {a: 1}\n"),
        ":1: document 1: items: expected a list, found a mapping");
    assertFails(
        write("metadata.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: simpson\n"),
        ":3:11: document 1 (Namespace): metadata: expected a mapping, found 'simpson'");
  }

  @Test
  void rejectsAnObjectWithoutKindOrApiVersion() throws IOException {
    assertFails(
        write("nokind.yaml", "apiVersion: v1\nitems:\n- metadata: {name: a}\nkind: List\n"),
        ":3: document 1, items[0]: kind is missing");
    assertFails(
        write("noapi.yaml", "kind: Pod\nmetadata: {name: homer, namespace: simpson}\n"),
        ":1: document 1 (Pod simpson/homer): apiVersion is missing");
  }

  @Test
  void namesTheDocumentItemAndFieldOfAnObjectWithoutName() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: List
        items:
        - {apiVersion: v1, kind: Namespace, metadata: {name: simpson}}
        - {apiVersion: v1, kind: Namespace, metadata: {name: bouvier}}
        ---
        apiVersion: v1
        kind: List
        items:
        - {apiVersion: v1, kind: Pod, metadata: {name: homer, namespace: simpson}}
        - apiVersion: v1
          kind: Pod
          metadata:
            namespace: simpson
            labels: {app: marge}
        """;
    assertFails(
        write("cluster.yaml", yaml), ":11: document 2, items[1] (Pod): metadata.name is missing");
  }

  @Test
  void namesThePodWithoutNamespace() throws IOException {
    assertFails(
        write("cluster.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: homer}\n"),
        ":1: document 1 (Pod homer): metadata.namespace is missing");
  }

  @Test
  void rejectsAnEgressIpThatIsNotAnIp() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: simpson}
        ---
        apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata:
          name: egressip-demo
        spec:
          egressIPs:
          - foo
        """;
    assertFails(
        write("cluster.yaml", yaml),
        ":11:5: document 2 (EgressIP egressip-demo): spec.egressIPs[0]: not an IP address: 'foo'");
  }

  /** Two nodes in a kubectl list; the second's second address is not an IP (line 26). */
  private static final String BAD_ADDRESS_YAML =
      """
      apiVersion: v1
      items:
      - apiVersion: v1
        kind: Node
        metadata:
          name: worker-0
        status:
          addresses:
          - type: InternalIP
            address: 192.168.126.51
      - apiVersion: v1
        kind: Node
        metadata:
          name: worker-1
          labels:
            node-role.kubernetes.io/worker: ""
          annotations:
            note: |
              a long note
              on several lines
        status:
          addresses:
          - type: Hostname
            address: worker-1
          - type: InternalIP
            address: 192.168.126.999
      kind: List
      """;

  @Test
  void aBadFieldDeepInAYamlListItemIsReportedAtItsOwnLineAndColumn() throws IOException {
    assertFails(
        write("cluster.yaml", BAD_ADDRESS_YAML),
        ":26:16: document 1, items[1] (Node worker-1): status.addresses[1].address: not an IP"
            + " address: '192.168.126.999'");
  }

  @Test
  void aBadFieldDeepInAJsonListItemIsReportedAtItsOwnLineAndColumn() throws IOException {
    // as kubectl -o json writes it: 4 spaces of indent, one field per line
    String json =
        """
        {
            "apiVersion": "v1",
            "items": [
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": "worker-0"},
                    "status": {"addresses": [{"type": "InternalIP", "address": "192.168.126.51"}]}
                },
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "name": "worker-1"
                    },
                    "status": {
                        "addresses": [
                            {
                                "address": "worker-1",
                                "type": "Hostname"
                            },
                            {
                                "address": "192.168.126.999",
                                "type": "InternalIP"
                            }
                        ]
                    }
                }
            ],
            "kind": "List"
        }
        """;
    assertFails(
        write("cluster.json", json),
        ":23:36: document 1, items[1] (Node worker-1): status.addresses[1].address: not an IP"
            + " address: '192.168.126.999'");
  }

  @Test
  void aFieldInsideAJsonAnnotationIsReportedAtTheAnnotationsLine() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Node
        metadata:
          name: worker-0
          annotations:
            k8s.ovn.org/node-primary-ifaddr: '{"ipv4":"192.168.126.300/24"}'
        """;
    assertFails(
        write("cluster.yaml", yaml),
        ":6:38: document 1 (Node worker-0):"
            + " metadata.annotations[k8s.ovn.org/node-primary-ifaddr].ipv4: not an IP address:"
            + " '192.168.126.300/24'");
  }

  @Test
  void aFieldGivenByAnAliasIsReportedWhereTheAliasIs() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: k8s.ovn.org/v1
          kind: EgressIP
          metadata: {name: egressip-demo}
          x-ips: &ips [192.168.126.100, nope]
          spec:
            namespaceSelector: {matchLabels: {env: qa}}
            egressIPs: *ips
        """;
    assertFails(
        write("cluster.yaml", yaml),
        ":10:16: document 1, items[0] (EgressIP egressip-demo): spec.egressIPs[1]: not an IP"
            + " address: 'nope'");
  }

  @Test
  void aMissingFieldIsReportedAtItsObjectsLine() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: k8s.ovn.org/v1
          kind: EgressIP
          metadata:
            name: egressip-demo
          spec:
            egressIPs: [192.168.126.100]
          status:
            items:
            - egressIP: 192.168.126.100
        """;
    assertFails(
        write("cluster.yaml", yaml),
        ":4: document 1, items[0] (EgressIP egressip-demo): status.items[0].node is missing");
  }

  @Test
  void rejectsAnUnknownSelectorOperator() throws IOException {
    String yaml =
        """
        apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata: {name: egressip-demo}
        spec:
          egressIPs: [192.168.126.100]
          namespaceSelector:
            matchExpressions:
            - {key: house, operator: Like, values: [simp*]}
        """;
    assertFails(
        write("cluster.yaml", yaml),
        ":8:30: document 1 (EgressIP egressip-demo):"
            + " spec.namespaceSelector.matchExpressions[0].operator:"
            + " unknown label selector operator 'Like' (expected In, NotIn, Exists, DoesNotExist)");
  }

  @Test
  void rejectsAFieldOfTheWrongType() throws IOException {
    String yaml =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: homer, namespace: simpson}\n"
            + "spec: {hostNetwork: maybe}\n";
    assertThatThrownBy(() -> ClusterStateFile.load(write("cluster.yaml", yaml)))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessageStartingWith(
            dir.resolve("cluster.yaml")
                + ":4:21: document 1 (Pod simpson/homer): spec.hostNetwork: ")
        .hasMessageContaining("maybe")
        .hasMessageNotContaining("\n");
  }

  @Test
  void rejectsTheSameObjectTwice() throws IOException {
    String yaml =
        """
        apiVersion: v1
        items:
        - {apiVersion: v1, kind: Pod, metadata: {name: homer, namespace: simpson}}
        - {apiVersion: v1, kind: Pod, metadata: {name: homer, namespace: bouvier}}
        kind: List
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: homer, namespace: simpson}
        """;
    assertFails(
        write("cluster.yaml", yaml),
        ":7: document 2 (Pod simpson/homer): duplicate: the same Pod is already at document 1,"
            + " items[0] (line 3)");
  }

  @Test
  void exceptionCarriesTheLocation() throws IOException {
    Path file =
        write("cluster.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n    b: c\n");

    assertThatThrownBy(() -> ClusterStateFile.load(file))
        .isInstanceOfSatisfying(
            ClusterStateFileException.class,
            e -> {
              assertThat(e.file()).isEqualTo(file);
              assertThat(e.line()).isEqualTo(5);
              assertThat(e.column()).isEqualTo(6);
            });
  }
}
