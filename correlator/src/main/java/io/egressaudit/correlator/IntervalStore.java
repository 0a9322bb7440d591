package io.egressaudit.correlator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every interval a timeline holds, in columns of primitive arrays indexed by slot (the order they
 * were added), so that months of a busy cluster's pod history cost tens of bytes per interval
 * rather than a few hundred in objects.
 *
 * <p>A slot holds {@code validFrom} and {@code validTo} (epoch ms) and the state. Pods, nearly all
 * of the intervals, are held in columns: namespace, node and phase as ids of shared strings, the
 * name as UTF-8 bytes in one array, a pod's one IPv4 address as a 32-bit number (other IP lists,
 * IPv6 or dual-stack, as ids of shared lists), the labels as ids of shared maps (each distinct map
 * is held once); about 45 bytes and the name's length per pod interval. {@link #state} builds the
 * {@link PodState} again when asked. Nodes, namespaces and EgressIPs (a few thousand states in
 * months) are held as the objects they are.
 *
 * <p>Not thread-safe: the timeline guards it. Slots are stable until {@link #compact}.
 */
final class IntervalStore {

  private static final int HOST_NETWORK = 0x80;
  private static final int ONE_IPV4 = 0x40; // podIps holds the pod's one IPv4 address itself
  private static final int PHASE_MASK = 0x3f;

  private int size;
  private long[] from = new long[16];
  private long[] to = new long[16];

  /** The state of a slot that is not a compact pod; null for a compact pod. */
  private ClusterObject[] objects = new ClusterObject[16];

  /**
   * A pod's columns, side by side in blocks of {@link #W} ints per slot ({@code pod[slot * W +
   * column]}): a sweep reads every column of one pod in turn, and slots of the pods on a node at
   * one time lie far apart, so columns in separate arrays cost a cache miss each. Zero for a slot
   * that is not a compact pod (its {@link #FLAGS} lack {@link #COMPACT}).
   */
  private int[] pod = new int[16 * 6];

  private static final int W = 6;
  private static final int NAMESPACE = 0; // id in strings
  private static final int NODE = 1; // id in strings; -1: not scheduled
  private static final int IPS = 2; // an id in ipLists, or the address (ONE_IPV4)
  private static final int LABELS = 3; // id in labelMaps
  private static final int FLAGS = 4; // phase id, HOST_NETWORK, ONE_IPV4, COMPACT
  private static final int NAME_END = 5; // the name of slot i is names[end of i-1, end of i)
  private static final int COMPACT = 0x100;

  private byte[] names = new byte[256];

  /**
   * Pods built lately, by slot modulo the size: the current pods of a node are read again for every
   * attribution of its IP, and building each again would be most of the cost. Written by readers
   * under the timeline's read lock; an entry is immutable, so a race only loses one.
   */
  private final Built[] built = new Built[1 << 14];

  private record Built(int slot, PodState pod) {}

  private Table<String> strings = new Table<>();
  private Table<String> phases = new Table<>();
  private Table<List<String>> ipLists = new Table<>();
  private Table<Map<String, String>> labelMaps = new Table<>();

  int size() {
    return size;
  }

  long from(int slot) {
    return from[slot];
  }

  long to(int slot) {
    return to[slot];
  }

  void setTo(int slot, long validTo) {
    to[slot] = validTo;
  }

  /**
   * Adds an interval.
   *
   * @return its slot
   */
  int add(ClusterObject state, long validFrom, long validTo) {
    if (size == from.length) {
      grow();
    }
    int slot = size++;
    from[slot] = validFrom;
    to[slot] = validTo;
    int b = slot * W;
    int nameStart = slot == 0 ? 0 : pod[b - W + NAME_END];
    pod[b + NAME_END] = nameStart;
    if (state instanceof PodState p && p.namespace() != null && p.name() != null) {
      int phase = p.phase() == null ? 0 : phases.id(p.phase()) + 1;
      if (phase <= PHASE_MASK) {
        objects[slot] = null;
        pod[b + NAMESPACE] = strings.id(p.namespace());
        pod[b + NODE] = p.nodeName() == null ? -1 : strings.id(p.nodeName());
        int flags = COMPACT | phase | (p.hostNetwork() ? HOST_NETWORK : 0);
        long v4 = p.podIps().size() == 1 ? ipv4(p.podIps().get(0)) : -1;
        if (v4 >= 0) {
          pod[b + IPS] = (int) v4;
          flags |= ONE_IPV4;
        } else {
          pod[b + IPS] = ipLists.id(p.podIps());
        }
        pod[b + LABELS] = labelMaps.id(p.labels());
        pod[b + FLAGS] = flags;
        byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
        if (nameStart + name.length > names.length) {
          names = Arrays.copyOf(names, Math.max(names.length * 3 / 2, nameStart + name.length));
        }
        System.arraycopy(name, 0, names, nameStart, name.length);
        pod[b + NAME_END] = nameStart + name.length;
        return slot;
      }
    }
    objects[slot] = state;
    return slot;
  }

  /** The state of a slot (a pod's is built again from its columns). */
  ClusterObject state(int slot) {
    ClusterObject o = objects[slot];
    if (o != null) {
      return o;
    }
    int k = slot & (built.length - 1);
    Built b = built[k];
    if (b != null && b.slot() == slot) {
      return b.pod();
    }
    PodState pod = pod(slot);
    built[k] = new Built(slot, pod);
    return pod;
  }

  private PodState pod(int slot) {
    int b = slot * W;
    int flags = pod[b + FLAGS];
    int phase = flags & PHASE_MASK;
    return new PodState(
        strings.get(pod[b + NAMESPACE]),
        name(slot),
        pod[b + NODE] < 0 ? null : strings.get(pod[b + NODE]),
        podIps(slot),
        (flags & HOST_NETWORK) != 0,
        labelMaps.get(pod[b + LABELS]),
        phase == 0 ? null : phases.get(phase - 1));
  }

  /** True when the slot holds a pod in columns (not as its object). */
  private boolean compact(int slot) {
    return (pod[slot * W + FLAGS] & COMPACT) != 0;
  }

  /** A compact pod's name, decoded from the names' bytes. */
  private String name(int slot) {
    int b = slot * W;
    int start = slot == 0 ? 0 : pod[b - W + NAME_END];
    return new String(names, start, pod[b + NAME_END] - start, StandardCharsets.UTF_8);
  }

  /** A pod's namespace, as shared by every slot of it; the slot must hold a pod. */
  String podNamespace(int slot) {
    return compact(slot)
        ? strings.get(pod[slot * W + NAMESPACE])
        : ((PodState) objects[slot]).namespace();
  }

  /** A pod's node, as shared by every slot of it, or null; the slot must hold a pod. */
  String podNode(int slot) {
    if (!compact(slot)) {
      return ((PodState) objects[slot]).nodeName();
    }
    int node = pod[slot * W + NODE];
    return node < 0 ? null : strings.get(node);
  }

  /** A pod's name; the slot must hold a pod. */
  String podName(int slot) {
    return compact(slot) ? name(slot) : ((PodState) objects[slot]).name();
  }

  /** A pod's labels, as shared by every slot with the same; the slot must hold a pod. */
  Map<String, String> podLabels(int slot) {
    return compact(slot)
        ? labelMaps.get(pod[slot * W + LABELS])
        : ((PodState) objects[slot]).labels();
  }

  /** Whether a pod is on the host network; the slot must hold a pod. */
  boolean podHostNetwork(int slot) {
    int flags = pod[slot * W + FLAGS];
    return (flags & COMPACT) != 0
        ? (flags & HOST_NETWORK) != 0
        : ((PodState) objects[slot]).hostNetwork();
  }

  /** {@link PodState#active()} of a pod, without building its state; the slot must hold one. */
  boolean podActive(int slot) {
    int flags = pod[slot * W + FLAGS];
    if ((flags & COMPACT) == 0) {
      return ((PodState) objects[slot]).active();
    }
    int phase = flags & PHASE_MASK;
    boolean hasIp = (flags & ONE_IPV4) != 0 || !ipLists.get(pod[slot * W + IPS]).isEmpty();
    return PodState.active(phase == 0 ? null : phases.get(phase - 1), hasIp);
  }

  /**
   * A pod's IP as a 32-bit value when it has exactly one and it is IPv4 (unsigned, as {@link
   * #ipv4}), else -1; the slot must hold a pod.
   */
  long podOneIpv4(int slot) {
    int flags = pod[slot * W + FLAGS];
    if ((flags & COMPACT) == 0 || (flags & ONE_IPV4) == 0) {
      return -1;
    }
    return pod[slot * W + IPS] & 0xffffffffL;
  }

  /** A pod's IPs, as shared by every slot with the same; the slot must hold a pod. */
  List<String> podIps(int slot) {
    int flags = pod[slot * W + FLAGS];
    if ((flags & COMPACT) == 0) {
      return ((PodState) objects[slot]).podIps();
    }
    int ips = pod[slot * W + IPS];
    return (flags & ONE_IPV4) != 0 ? List.of(ipv4Text(ips)) : ipLists.get(ips);
  }

  /**
   * A canonical IPv4 dotted quad as an unsigned 32-bit number, or -1 for anything else (IPv6, or
   * text that would not read back the same).
   */
  static long ipv4(String ip) {
    long value = 0;
    int parts = 0;
    int i = 0;
    int n = ip.length();
    while (i < n) {
      int start = i;
      int part = 0;
      while (i < n && ip.charAt(i) >= '0' && ip.charAt(i) <= '9' && i - start < 3) {
        part = part * 10 + (ip.charAt(i++) - '0');
      }
      int digits = i - start;
      if (digits == 0 || part > 255 || (digits > 1 && ip.charAt(start) == '0')) {
        return -1;
      }
      value = (value << 8) | part;
      parts++;
      if (i < n) {
        if (ip.charAt(i) != '.' || parts == 4) {
          return -1;
        }
        i++;
        if (i == n) {
          return -1;
        }
      }
    }
    return parts == 4 ? value : -1;
  }

  static String ipv4Text(int address) {
    return (address >>> 24)
        + "."
        + ((address >>> 16) & 255)
        + "."
        + ((address >>> 8) & 255)
        + "."
        + (address & 255);
  }

  /** The slot as an interval. */
  StateInterval interval(int slot) {
    return new StateInterval(slot, state(slot), from[slot], to[slot]);
  }

  /** True when the slot holds an EgressIP's state. */
  boolean isEgressIp(int slot) {
    return objects[slot] instanceof EgressIpState;
  }

  /**
   * Drops the slots {@code keep} rejects and moves the others down, in order; shared strings, lists
   * and maps no longer used are dropped too.
   *
   * @return for each old slot its new slot, or -1 when dropped
   */
  int[] compact(java.util.function.IntPredicate keep) {
    int[] moved = new int[size];
    IntervalStore next = new IntervalStore();
    for (int slot = 0; slot < size; slot++) {
      moved[slot] = keep.test(slot) ? next.add(state(slot), from[slot], to[slot]) : -1;
    }
    size = next.size;
    from = next.from;
    to = next.to;
    objects = next.objects;
    pod = next.pod;
    names = next.names;
    strings = next.strings;
    phases = next.phases;
    ipLists = next.ipLists;
    labelMaps = next.labelMaps;
    Arrays.fill(built, null); // by old slots
    return moved;
  }

  /**
   * Gives back the room kept for more slots when it is more than an eighth of those held (after a
   * load of history, which grew the arrays by half at a time): up to a third of the store's memory
   * otherwise stays allocated, and counts towards the occupancy at which the collector starts
   * marking the heap.
   */
  void trim() {
    if (from.length - size <= size / 8) {
      return;
    }
    int n = Math.max(16, size);
    from = Arrays.copyOf(from, n);
    to = Arrays.copyOf(to, n);
    objects = Arrays.copyOf(objects, n);
    pod = Arrays.copyOf(pod, n * W);
    if (size > 0 && names.length - pod[(size - 1) * W + NAME_END] > names.length / 8) {
      names = Arrays.copyOf(names, Math.max(256, pod[(size - 1) * W + NAME_END]));
    }
  }

  private void grow() {
    int n = from.length + (from.length >> 1);
    from = Arrays.copyOf(from, n);
    to = Arrays.copyOf(to, n);
    objects = Arrays.copyOf(objects, n);
    pod = Arrays.copyOf(pod, n * W);
  }

  /** Distinct values by id: each equal value is held once. */
  private static final class Table<T> {
    private final Map<T, Integer> ids = new HashMap<>();
    private final List<T> values = new ArrayList<>();

    int id(T value) {
      Integer id = ids.get(value);
      if (id == null) {
        id = values.size();
        values.add(value);
        ids.put(value, id);
      }
      return id;
    }

    T get(int id) {
      return values.get(id);
    }
  }
}
