package io.egressaudit.controller;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Figures for {@link ClusterStateFile} on pathological and large dumps: a program, not a test.
 *
 * <pre>
 * java -cp ... io.egressaudit.controller.ClusterStateFileFigures generate DIR
 * java -Xmx256m -cp ... io.egressaudit.controller.ClusterStateFileFigures load FILE...
 * </pre>
 *
 * <p>{@code generate} writes {@code dump-50mb.yaml} and {@code dump-50mb.json} (about 10,000 pods
 * as {@code kubectl get -o yaml|json} prints them, managed fields and all), {@code
 * string-16mb.yaml} (one pod whose annotation is a 16 MiB plain scalar), {@code quoted-16mb.yaml}
 * (the same, double-quoted) and {@code keys-4m.yaml} (one pod with 4 million annotation keys, about
 * 55 MB). {@code load} prints, per file, the objects read or the one-line error, the wall time, and
 * the largest heap in use after a garbage collection (the live set).
 */
public final class ClusterStateFileFigures {

  private ClusterStateFileFigures() {}

  /**
   * Runs {@code generate DIR} or {@code load FILE...}.
   *
   * @param args the command and its arguments
   * @throws IOException when a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length >= 2 && args[0].equals("generate")) {
      generate(Path.of(args[1]));
    } else if (args.length >= 2 && args[0].equals("load")) {
      for (int i = 1; i < args.length; i++) {
        load(Path.of(args[i]));
      }
    } else {
      System.err.println("usage: generate DIR | load FILE...");
      System.exit(2);
    }
  }

  private static void load(Path file) throws IOException {
    AtomicLong peak = watchLiveHeap();
    long size = Files.size(file);
    long start = System.nanoTime();
    String outcome;
    try {
      LoadedClusterState state = ClusterStateFile.load(file);
      outcome = state.objects().size() + " objects";
    } catch (ClusterStateFileException e) {
      outcome = "refused: " + e.getMessage();
    } catch (OutOfMemoryError e) {
      outcome = "OutOfMemoryError: " + e.getMessage();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.gc();
    System.out.printf(
        "%s: %.1f MB, %.2f s, live heap peak %d MB, -Xmx %d MB: %s%n",
        file.getFileName(),
        size / 1e6,
        seconds,
        peak.get() >> 20,
        Runtime.getRuntime().maxMemory() >> 20,
        outcome.length() > 300 ? outcome.substring(0, 300) + "..." : outcome);
  }

  /** The largest heap in use right after any collection since the call, in bytes. */
  private static AtomicLong watchLiveHeap() {
    AtomicLong peak = new AtomicLong();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc)
          .addNotificationListener(
              (n, h) -> {
                if (!n.getType()
                    .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                  return;
                }
                GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (Map.Entry<String, MemoryUsage> e :
                    info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                  if (!e.getKey().contains("Metaspace") && !e.getKey().contains("Code")) {
                    used += e.getValue().getUsed();
                  }
                }
                peak.accumulateAndGet(used, Math::max);
              },
              null,
              null);
    }
    return peak;
  }

  private static void generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    int pods = 10_000;
    try (Writer w = Files.newBufferedWriter(dir.resolve("dump-50mb.yaml"))) {
      dumpYaml(w, pods);
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("dump-50mb.json"))) {
      dumpJson(w, pods);
    }
    String big = "x".repeat(16 << 20);
    Files.writeString(dir.resolve("string-16mb.yaml"), onePod("      big: " + big + "\n"));
    Files.writeString(dir.resolve("quoted-16mb.yaml"), onePod("      big: \"" + big + "\"\n"));
    // keys-4m: a small pod, then one whose annotations mapping is last in the file.
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("keys-4m.yaml"))) {
      w.write(
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: keys\n  namespace: big\n"
              + "spec: {nodeName: node-0}\nstatus: {phase: Running, podIP: 10.0.0.1}\n"
              + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: keys2\n  namespace: big\n"
              + "  annotations:\n");
      for (int i = 0; i < 4_000_000; i++) {
        w.write("    key-");
        w.write(Integer.toString(i));
        w.write(": v\n");
      }
    }
    for (String f :
        new String[] {
          "dump-50mb.yaml", "dump-50mb.json", "string-16mb.yaml", "quoted-16mb.yaml", "keys-4m.yaml"
        }) {
      System.out.printf("%s: %.1f MB%n", f, Files.size(dir.resolve(f)) / 1e6);
    }
  }

  private static String onePod(String annotations) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  namespace: big\n"
        + "  annotations:\n"
        + annotations
        + "spec: {nodeName: node-0}\nstatus: {phase: Running, podIP: 10.0.0.1}\n";
  }

  private static void dumpYaml(Writer w, int pods) throws IOException {
    w.write("apiVersion: v1\nitems:\n");
    for (int n = 0; n < 100; n++) {
      w.write(
          String.format(
              """
              - apiVersion: v1
                kind: Node
                metadata:
                  annotations:
                    k8s.ovn.org/node-primary-ifaddr: '{"ipv4":"192.168.%d.%d/16"}'
                  labels:
                    k8s.ovn.org/egress-assignable: ""
                    kubernetes.io/hostname: node-%d
                  name: node-%d
                status:
                  addresses:
                  - address: 192.168.%d.%d
                    type: InternalIP
                  conditions:
                  - status: "True"
                    type: Ready
              """,
              n / 200, n % 200 + 1, n, n, n / 200, n % 200 + 1));
    }
    for (int ns = 0; ns < 500; ns++) {
      w.write(
          String.format(
              """
              - apiVersion: v1
                kind: Namespace
                metadata:
                  labels:
                    kubernetes.io/metadata.name: ns-%d
                    team: team-%d
                  name: ns-%d
              """,
              ns, ns % 20, ns));
    }
    for (int p = 0; p < pods; p++) {
      w.write(podYaml(p));
    }
    w.write("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
  }

  private static String podYaml(int p) {
    return String.format(
        """
        - apiVersion: v1
          kind: Pod
          metadata:
            annotations:
              k8s.ovn.org/pod-networks: '{"default":{"ip_addresses":["10.%d.%d.%d/23"],"mac_address":"0a:58:0a:80:02:0b","gateway_ips":["10.128.2.1"],"ip_address":"10.%d.%d.%d/23","gateway_ip":"10.128.2.1"}}'
              k8s.v1.cni.cncf.io/network-status: |-
                [{
                    "name": "ovn-kubernetes",
                    "interface": "eth0",
                    "ips": [
                        "10.%d.%d.%d"
                    ],
                    "mac": "0a:58:0a:80:02:0b",
                    "default": true,
                    "dns": {}
                }]
              openshift.io/scc: restricted-v2
            creationTimestamp: "2021-11-26T17:30:00Z"
            generateName: app-%d-5b7857cc48-
            labels:
              app: app-%d
              pod-template-hash: 5b7857cc48
            managedFields:
            - apiVersion: v1
              fieldsType: FieldsV1
              fieldsV1:
                f:metadata:
                  f:generateName: {}
                  f:labels:
                    .: {}
                    f:app: {}
                    f:pod-template-hash: {}
                  f:ownerReferences:
                    .: {}
                    k:{"uid":"6f1f9c1e-8d0a-4a57-9b1e-1d8b1b7a%04d"}: {}
                f:spec:
                  f:containers:
                    k:{"name":"app"}:
                      .: {}
                      f:image: {}
                      f:imagePullPolicy: {}
                      f:name: {}
                      f:resources: {}
                      f:terminationMessagePath: {}
                      f:terminationMessagePolicy: {}
                  f:dnsPolicy: {}
                  f:enableServiceLinks: {}
                  f:restartPolicy: {}
                  f:schedulerName: {}
                  f:securityContext: {}
                  f:terminationGracePeriodSeconds: {}
              manager: kube-controller-manager
              operation: Update
              time: "2021-11-26T17:30:00Z"
            - apiVersion: v1
              fieldsType: FieldsV1
              fieldsV1:
                f:status:
                  f:conditions:
                    k:{"type":"ContainersReady"}:
                      .: {}
                      f:lastProbeTime: {}
                      f:lastTransitionTime: {}
                      f:status: {}
                      f:type: {}
                    k:{"type":"Ready"}:
                      .: {}
                      f:lastProbeTime: {}
                      f:lastTransitionTime: {}
                      f:status: {}
                      f:type: {}
                  f:containerStatuses: {}
                  f:hostIP: {}
                  f:phase: {}
                  f:podIP: {}
                  f:podIPs:
                    .: {}
                    k:{"ip":"10.%d.%d.%d"}:
                      .: {}
                      f:ip: {}
                  f:startTime: {}
              manager: kubelet
              operation: Update
              subresource: status
              time: "2021-11-26T17:30:05Z"
            name: app-%d-5b7857cc48-fs2w4
            namespace: ns-%d
            ownerReferences:
            - apiVersion: apps/v1
              blockOwnerDeletion: true
              controller: true
              kind: ReplicaSet
              name: app-%d-5b7857cc48
              uid: 6f1f9c1e-8d0a-4a57-9b1e-1d8b1b7a%04d
            resourceVersion: "%d"
            uid: 0b0a4b8e-1f0c-4d8e-a0a7-3c2f5f6e%04d
          spec:
            containers:
            - env:
              - name: POD_NAME
                valueFrom:
                  fieldRef:
                    apiVersion: v1
                    fieldPath: metadata.name
              image: registry.example.com/app:latest
              imagePullPolicy: Always
              name: app
              resources:
                limits:
                  memory: 256Mi
                requests:
                  cpu: 10m
                  memory: 64Mi
              securityContext:
                allowPrivilegeEscalation: false
                capabilities:
                  drop:
                  - ALL
                runAsNonRoot: true
                runAsUser: 1000680000
              terminationMessagePath: /dev/termination-log
              terminationMessagePolicy: File
              volumeMounts:
              - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
                name: kube-api-access-%d
                readOnly: true
            dnsPolicy: ClusterFirst
            enableServiceLinks: true
            nodeName: node-%d
            preemptionPolicy: PreemptLowerPriority
            priority: 0
            restartPolicy: Always
            schedulerName: default-scheduler
            securityContext:
              fsGroup: 1000680000
              seLinuxOptions:
                level: s0:c26,c15
            serviceAccount: default
            serviceAccountName: default
            terminationGracePeriodSeconds: 30
            tolerations:
            - effect: NoExecute
              key: node.kubernetes.io/not-ready
              operator: Exists
              tolerationSeconds: 300
            - effect: NoExecute
              key: node.kubernetes.io/unreachable
              operator: Exists
              tolerationSeconds: 300
            volumes:
            - name: kube-api-access-%d
              projected:
                defaultMode: 420
                sources:
                - serviceAccountToken:
                    expirationSeconds: 3607
                    path: token
                - configMap:
                    items:
                    - key: ca.crt
                      path: ca.crt
                    name: kube-root-ca.crt
          status:
            conditions:
            - lastProbeTime: null
              lastTransitionTime: "2021-11-26T17:30:00Z"
              status: "True"
              type: Initialized
            - lastProbeTime: null
              lastTransitionTime: "2021-11-26T17:30:05Z"
              status: "True"
              type: Ready
            containerStatuses:
            - containerID: cri-o://4b5c0c1f5d3e8a7b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f%04d
              image: registry.example.com/app:latest
              imageID: registry.example.com/app@sha256:0f0e0d0c0b0a09080706050403020100ffeeddccbbaa99887766554433221100
              lastState: {}
              name: app
              ready: true
              restartCount: 0
              started: true
              state:
                running:
                  startedAt: "2021-11-26T17:30:04Z"
            hostIP: 192.168.%d.%d
            phase: Running
            podIP: 10.%d.%d.%d
            podIPs:
            - ip: 10.%d.%d.%d
            qosClass: Burstable
            startTime: "2021-11-26T17:30:00Z"
        """,
        ip(p)[0],
        ip(p)[1],
        ip(p)[2],
        ip(p)[0],
        ip(p)[1],
        ip(p)[2],
        ip(p)[0],
        ip(p)[1],
        ip(p)[2],
        p,
        p,
        p % 10000,
        ip(p)[0],
        ip(p)[1],
        ip(p)[2],
        p,
        p % 500,
        p,
        p % 10000,
        100000 + p,
        p % 10000,
        p,
        p % 100,
        p,
        p % 10000,
        (p % 100) / 200,
        (p % 100) % 200 + 1,
        ip(p)[0],
        ip(p)[1],
        ip(p)[2],
        ip(p)[0],
        ip(p)[1],
        ip(p)[2]);
  }

  private static int[] ip(int p) {
    return new int[] {128 + p / 65536, (p / 256) % 256, p % 256};
  }

  private static void dumpJson(Writer w, int pods) throws IOException {
    // kubectl -o json of the same objects, written by converting the YAML through Jackson.
    tools.jackson.databind.ObjectMapper yaml =
        new tools.jackson.dataformat.yaml.YAMLMapper(
            tools.jackson.dataformat.yaml.YAMLFactory.builder()
                .loadSettings(
                    org.snakeyaml.engine.v2.api.LoadSettings.builder()
                        .setCodePointLimit(Integer.MAX_VALUE)
                        .build())
                .build());
    tools.jackson.databind.ObjectMapper json = new tools.jackson.databind.json.JsonMapper();
    StringBuilder sb = new StringBuilder();
    try (Writer s = new java.io.StringWriter()) {
      dumpYaml(s, pods);
      sb.append(s);
    }
    w.write(json.writerWithDefaultPrettyPrinter().writeValueAsString(yaml.readTree(sb.toString())));
  }
}
