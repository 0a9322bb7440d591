package io.egressaudit.correlator;

import io.egressaudit.correlator.anomaly.Anomalies;
import io.egressaudit.correlator.anomaly.Anomaly;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The history of one cluster in memory, as intervals {@code [validFrom, validTo)} of object states
 * (epoch milliseconds), indexed so that attributing a source IP at any time is a lookup: the owners
 * of every egress IP, node IP and pod IP, and the pods of every node and namespace, each as the
 * intervals they held.
 *
 * <p>The rules stay in {@link Correlator}: for an IP and a time the timeline gathers just the
 * states those rules read (the EgressIPs valid then; for an egress IP the namespaces they select
 * and those namespaces' pods; for a node IP the node, its pods and their namespaces; for a pod IP
 * the pod) and applies them to those states: the node rule to the node's part directly, the other
 * rules to a partial snapshot, which answers exactly as the whole cluster's state would. What the
 * rules derive from EgressIPs alone (which EgressIPs select a namespace) is worked out once per
 * span of unchanged EgressIPs and shared. Anomalies at a time ({@link #anomaliesAt}) are worked out
 * the same way, on what the anomaly rules read.
 *
 * <p>The intervals are held in an {@link IntervalStore}, columns of primitive arrays (about 72
 * bytes per pod interval with the indexes, so months of a 10,000-pod cluster fit a few hundred MB);
 * the indexes hold their slots, and a pod's state is built again when an answer reads it.
 *
 * <p>Fed with what history records, in the order it was committed: {@link #add} for each stored
 * interval when loading, {@link #opened} and {@link #closed} for each change after. Each interval
 * carries its row id in history, so a change delivered twice (recorded while loading) is applied
 * once. Thread-safe: many readers, one writer at a time.
 */
public final class AttributionTimeline {

  /** {@code validTo} of an interval still open. */
  public static final long OPEN = Long.MAX_VALUE;

  private final String cluster;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final IntervalStore store = new IntervalStore();

  private final IntervalList pods = new IntervalList(store);
  private final Map<String, IntervalList> podsByNode = new HashMap<>();
  private final Map<String, IntervalList> podsByNamespace = new HashMap<>();
  private final PodIpIndex podsByIp = new PodIpIndex(store);
  private final IntervalList nodes = new IntervalList(store);
  private final Map<String, IntervalList> nodesByAddress = new HashMap<>();
  private final IntervalList namespaces = new IntervalList(store);
  private final Map<String, IntervalList> namespacesByName = new HashMap<>();
  private final IntervalList egressIps = new IntervalList(store);
  private final Map<String, IntervalList> egressIpsByIp = new HashMap<>();
  private final Map<ObjectRef, OpenInterval> open = new HashMap<>();
  private final Map<Long, EgressSelection> selections = new ConcurrentHashMap<>();

  /** The interval an object's current state is in, and its row id in history. */
  private record OpenInterval(int slot, long rowId) {}

  /**
   * Answers given, by IP and the intervals they were worked out from; cleared when it reaches
   * {@link #MAX_ANSWERS} (a page of hits reuses answers of neighbouring times, not of history).
   */
  private final Map<AnswerKey, List<Attribution>> answers = new ConcurrentHashMap<>();

  /** Per EgressIP slot, the last reading of its owners (see {@link EgressSweep}). */
  private final Map<Integer, EgressSweep> egressSweeps = new ConcurrentHashMap<>();

  /** Per node slot, the node rule's last reading of its pods (see {@link NodeSweep}). */
  private final Map<Integer, NodeSweep> sweeps = new ConcurrentHashMap<>();

  /** Most spans of unchanged EgressIPs whose derived facts are remembered. */
  static final int MAX_SELECTIONS = 256;

  /** Most answers remembered; about 4 KB each for a node of a hundred pods. */
  static final int MAX_ANSWERS = 4096;

  /**
   * Anomalies worked out, by the intervals they were worked out from (compared by identity, as
   * {@link AnswerKey}); cleared when it holds {@link #MAX_ANOMALY_SETS} and when history is pruned.
   */
  private final Map<List<StateInterval>, List<Anomaly>> anomalies = new ConcurrentHashMap<>();

  static final int MAX_ANOMALY_SETS = 256;

  /**
   * Per IP, the answer worked out last and the span {@code [from, until)} from the time it was
   * worked out at up to the next change of anything it read (an interval gathered ending, a
   * relevant one starting). Hits read in time order, and whois of now, find theirs without
   * gathering. One per IP: questions at random times would fill a longer memory with spans never
   * asked again, which lived long enough for the collector to copy and mark them (a whois of a
   * random past time had a p99 twice as long through the API with 4,096 of them kept). Cleared by
   * every change to the timeline (under the write lock), and when it holds {@link #MAX_ANSWERS}
   * IPs.
   */
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** An answer that holds over {@code [from, until)}. */
  private record Window(long from, long until, List<Attribution> answer) {}

  private long[] egressChangePoints = new long[0];
  private long firstChange = Long.MAX_VALUE;
  private long lastChange = Long.MIN_VALUE;
  private long loadedRowId;
  private long intervals;
  private volatile long version;
  private volatile long objectsVersion;

  /**
   * An empty timeline.
   *
   * @param cluster the cluster's name
   */
  public AttributionTimeline(String cluster) {
    this.cluster = cluster;
  }

  /** The cluster's name. */
  public String cluster() {
    return cluster;
  }

  // ---------------------------------------------------------------------------------------------
  // feeding
  // ---------------------------------------------------------------------------------------------

  /**
   * Adds a stored interval, open or ended (loading history), in any order.
   *
   * @param rowId the interval's row id in history (increasing with every interval recorded)
   * @param state the object's state
   * @param validFrom when it began, epoch ms
   * @param validTo when it ended, epoch ms, or {@link #OPEN}
   */
  public void add(long rowId, ClusterObject state, long validFrom, long validTo) {
    lock.writeLock().lock();
    try {
      insert(rowId, state, validFrom, validTo);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Says that every interval with a row id up to {@code rowId} has been added by a load: changes
   * delivered later for those rows ({@link #opened}) were recorded while loading and are ignored.
   */
  public void loadedThrough(long rowId) {
    lock.writeLock().lock();
    try {
      loadedRowId = Math.max(loadedRowId, rowId);
      // a load grew the arrays by half at a time: give back what it did not fill
      store.trim();
      for (IntervalList l : List.of(pods, nodes, namespaces, egressIps)) {
        l.trim();
      }
      for (Map<String, IntervalList> index :
          List.of(podsByNode, podsByNamespace, nodesByAddress, namespacesByName, egressIpsByIp)) {
        index.values().forEach(IntervalList::trim);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A new state began: the interval history just recorded as row {@code rowId}.
   *
   * @param rowId its row id; a row a load already added is ignored (see {@link #loadedThrough})
   * @param state the object's state
   * @param validFrom when it began, epoch ms
   */
  public void opened(long rowId, ClusterObject state, long validFrom) {
    lock.writeLock().lock();
    try {
      if (rowId != 0 && rowId <= loadedRowId) {
        return;
      }
      insert(rowId, state, validFrom, OPEN);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * An object's state ended (it changed, or the object was deleted).
   *
   * @param rowId the row id of the interval that ended; another open interval of the object is left
   *     alone (a change delivered after a load that already saw it)
   * @param ref the object
   * @param validTo when it ended, epoch ms
   */
  public void closed(long rowId, ObjectRef ref, long validTo) {
    lock.writeLock().lock();
    try {
      OpenInterval i = open.get(ref);
      if (i == null || (rowId != 0 && i.rowId() != rowId)) {
        return;
      }
      forgetWindows();
      store.setTo(i.slot(), validTo);
      open.remove(ref);
      version++;
      lastChange = Math.max(lastChange, validTo);
      if (ref.kind() != ObjectKind.POD) {
        objectsVersion++;
      }
      if (store.isEgressIp(i.slot())) {
        egressChanged();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void insert(long rowId, ClusterObject raw, long validFrom, long validTo) {
    forgetWindows();
    int i = store.add(raw, validFrom, validTo);
    ClusterObject state = raw;
    version++;
    if (!(state instanceof PodState)) {
      objectsVersion++;
    }
    if (validTo == OPEN) {
      OpenInterval before = open.put(raw.ref(), new OpenInterval(i, rowId));
      if (before != null && store.to(before.slot()) == OPEN) {
        // a close we were not told of
        store.setTo(before.slot(), Math.max(store.from(before.slot()), validFrom));
      }
    }
    firstChange = Math.min(firstChange, validFrom);
    lastChange = Math.max(lastChange, validTo == OPEN ? validFrom : validTo);
    intervals++;
    if (state instanceof PodState) {
      // keys as the store holds them, shared with every other interval of theirs
      pods.add(i);
      String node = store.podNode(i);
      if (node != null) {
        list(podsByNode, node).add(i);
      }
      list(podsByNamespace, store.podNamespace(i)).add(i);
      long v4 = store.podOneIpv4(i);
      if (v4 >= 0) {
        podsByIp.list((int) v4).add(i);
      } else {
        for (String ip : store.podIps(i)) {
          podsByIp.list(ip).add(i);
        }
      }
    } else if (state instanceof NodeState n) {
      nodes.add(i);
      for (String ip : n.addresses()) {
        list(nodesByAddress, ip).add(i);
      }
    } else if (state instanceof NamespaceState ns) {
      namespaces.add(i);
      list(namespacesByName, ns.name()).add(i);
    } else if (state instanceof EgressIpState e) {
      egressIps.add(i);
      java.util.Set<String> ips = new java.util.LinkedHashSet<>(e.egressIPs());
      e.assignments().forEach(a -> ips.add(a.egressIP()));
      for (String ip : ips) {
        list(egressIpsByIp, ip).add(i);
      }
      egressChanged();
    }
  }

  private void egressChanged() {
    long[] points = new long[egressIps.size() * 2];
    int[] n = {0};
    egressIps.forEachSlot(
        slot -> {
          points[n[0]++] = store.from(slot);
          if (store.to(slot) != OPEN) {
            points[n[0]++] = store.to(slot);
          }
        });
    Arrays.sort(points, 0, n[0]);
    int distinct = 0;
    for (int k = 0; k < n[0]; k++) {
      if (distinct == 0 || points[distinct - 1] != points[k]) {
        points[distinct++] = points[k];
      }
    }
    egressChangePoints = Arrays.copyOf(points, distinct);
    selections.clear();
  }

  private IntervalList list(Map<String, IntervalList> index, String key) {
    return index.computeIfAbsent(key, k -> new IntervalList(store));
  }

  /**
   * Drops every interval that ended at or before {@code cutoff} (history retention): no attribution
   * at a time after the cutoff read them.
   *
   * @param cutoff epoch ms
   * @return how many intervals were dropped
   */
  public long prune(long cutoff) {
    lock.writeLock().lock();
    try {
      int before = store.size();
      int[] moved = store.compact(slot -> store.to(slot) > cutoff);
      long dropped = before - store.size();
      for (IntervalList l : List.of(pods, nodes, namespaces, egressIps)) {
        l.renumber(moved);
      }
      for (Map<String, IntervalList> index :
          List.of(podsByNode, podsByNamespace, nodesByAddress, namespacesByName, egressIpsByIp)) {
        index.values().removeIf(l -> renumbered(l, moved) == 0);
      }
      podsByIp.removeIf(l -> renumbered(l, moved) == 0);
      open.replaceAll((ref, i) -> new OpenInterval(moved[i.slot()], i.rowId()));
      intervals -= dropped;
      version++;
      objectsVersion++;
      firstChange =
          Math.min(
              Math.min(pods.firstStart(), nodes.firstStart()),
              Math.min(namespaces.firstStart(), egressIps.firstStart()));
      egressChanged();
      answers.clear(); // they hold dropped intervals
      sweeps.clear();
      egressSweeps.clear();
      spanFacts.clear();
      anomalies.clear();
      forgetWindows();
      return dropped;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static int renumbered(IntervalList l, int[] moved) {
    l.renumber(moved);
    return l.size();
  }

  // ---------------------------------------------------------------------------------------------
  // questions
  // ---------------------------------------------------------------------------------------------

  /**
   * Attributes a canonical source IP at a time with this cluster's state valid then: what {@link
   * Correlator#attribute} answers for the whole snapshot at {@code at}.
   *
   * @param ip canonical text as {@link SourceIp#canonical(String)} returns it
   * @param at the time the IP was seen
   * @return the matches in rule order; empty when no rule holds
   */
  public List<Attribution> attribute(String ip, Instant at) {
    long t = at.toEpochMilli();
    lock.readLock().lock();
    try {
      Window w = windows.get(ip);
      if (w != null && w.from() <= t && t < w.until()) {
        return w.answer();
      }
      IntervalList owning = egressIpsByIp.get(ip);
      IntervalList withIp = podsByIp.get(ip);
      if (owning == null && withIp == null && !nodesByAddress.containsKey(ip)) {
        // nothing this timeline holds ever had the IP: nothing to remember either, so questions
        // about many unknown IPs (a scan) do not push out the answers of those asked again
        return List.of();
      }
      if ((owning == null || !owning.anyValidAt(t)) && (withIp == null || !withIp.anyValidAt(t))) {
        // No EgressIP and no pod has the IP then: only the node rule may hold, and it reads the
        // node, its pods and their namespaces, which the node's sweep keeps up to date.
        long[] until = {Math.min(nextStart(egressIpsByIp, ip, t), nextStart(withIp, t))};
        List<Attribution> answer = nodeOnly(ip, t, until);
        remember(ip, t, until[0], answer);
        return answer;
      }
      IntervalList nodeHaving = nodesByAddress.get(ip);
      if ((withIp == null || !withIp.anyValidAt(t))
          && (nodeHaving == null || !nodeHaving.anyValidAt(t))) {
        // An EgressIP has the IP and no pod or node has it then: only the EgressIP rules hold,
        // and they read the EgressIPs' selected namespaces and their pods, which each
        // EgressIP's sweep keeps up to date.
        long[] until = {
          Math.min(nextStart(withIp, t), nextStart(nodesByAddress, ip, t)),
        };
        List<Attribution> answer = egressOnly(ip, t, owning, until);
        remember(ip, t, until[0], answer);
        return answer;
      }
      // Every interval the answer reads, which is also what identifies it (AnswerKey): first
      // those the rules other than the node rule read, as a partial snapshot, then per node
      // having the IP its state, its pods and their namespaces.
      List<StateInterval> gathered = new ArrayList<>();
      Consumer<StateInterval> gather = gathered::add;
      // the earliest time after t at which something this answer reads may change
      long[] until = {Math.min(egressIps.nextStartAfter(t), nextStart(egressIpsByIp, ip, t))};
      egressIps.validAt(t, gather);
      List<EgressIpState> relevant = new ArrayList<>(1);
      if (owning != null) {
        owning.validAt(t, i -> relevant.add((EgressIpState) i.state));
      }
      if (!relevant.isEmpty()) {
        SpanFacts facts = spanFacts(t);
        until[0] = Math.min(until[0], facts.until);
        for (StateInterval n : facts.selectedBy(ip, relevant, t)) {
          String ns = ((NamespaceState) n.state).name();
          gathered.add(n);
          validAt(podsByNamespace, ns, t, gather);
          until[0] = Math.min(until[0], nextStart(podsByNamespace, ns, t));
        }
        if (!facts.lackingObject.isEmpty()) {
          // any pod change may change the namespaces the note names
          until[0] = Math.min(until[0], pods.nextStartAfter(t));
          for (String ns : facts.lackingObject) {
            int[] first = podsByNamespace.get(ns).slotsValidAt(t);
            if (first.length > 0) {
              gathered.add(store.interval(first[0]));
            }
          }
        }
      }
      int before = gathered.size();
      if (withIp != null) {
        withIp.validAt(t, gather);
      }
      until[0] = Math.min(until[0], nextStart(withIp, t));
      boolean otherRules = !relevant.isEmpty() || gathered.size() > before;
      int snapshotEnd = gathered.size();
      List<NodePart> nodeParts = new ArrayList<>(1);
      IntervalList nodeList = nodesByAddress.get(ip);
      if (nodeList != null) {
        until[0] = Math.min(until[0], nodeList.nextStartAfter(t));
        nodeList.validAt(t, n -> nodeParts.add(gatherNode(n, t, gathered, until)));
      }
      for (StateInterval i : gathered) {
        until[0] = Math.min(until[0], i.validTo);
      }
      List<Attribution> answer =
          !otherRules && nodeParts.isEmpty()
              ? List.of()
              : answer(ip, t, gathered, otherRules ? snapshotEnd : 0, nodeParts);
      remember(ip, t, until[0], answer);
      return answer;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The node rule's matches for an IP at {@code t} when no other rule can hold: one per node with
   * the address then, from each node's {@link NodeSweep}. Lowers {@code until[0]} to the next
   * change of anything they read. Under the read lock.
   */
  private List<Attribution> nodeOnly(String ip, long t, long[] until) {
    IntervalList nodeList = nodesByAddress.get(ip);
    if (nodeList == null) {
      return List.of();
    }
    until[0] = Math.min(until[0], nodeList.nextStartAfter(t));
    int[] nodeSlots = nodeList.slotsValidAt(t);
    if (nodeSlots.length == 0) {
      return List.of();
    }
    if (nodeSlots.length == 1) {
      return sweep(nodeSlots[0], t, until);
    }
    List<Attribution> matches = new ArrayList<>(nodeSlots.length);
    for (int slot : nodeSlots) {
      matches.addAll(sweep(slot, t, until));
    }
    // in the order of a snapshot's nodes: by name
    matches.sort(java.util.Comparator.comparing(Attribution::node));
    return List.copyOf(matches);
  }

  /**
   * The node rule's match for the node in {@code nodeSlot} at {@code t}, as a list of one: the
   * node's sweep moved to the pods on it then. Lowers {@code until[0]} to the end of the node's
   * state, the next start or end of a pod on it, or the next change of a node, namespace or
   * EgressIP. Under the read lock.
   */
  private List<Attribution> sweep(int nodeSlot, long t, long[] until) {
    NodeState node = (NodeState) store.state(nodeSlot);
    until[0] = Math.min(until[0], store.to(nodeSlot));
    IntervalList onNode = podsByNode.get(node.name());
    int[] podSlots = onNode == null ? new int[0] : onNode.slotsValidAt(t);
    if (onNode != null) {
      until[0] = Math.min(until[0], onNode.nextStartAfter(t));
    }
    for (int slot : podSlots) {
      until[0] = Math.min(until[0], store.to(slot));
    }
    Arrays.sort(podSlots);
    long version = objectsVersion;
    NodeSweep sweep = sweeps.get(nodeSlot);
    if (sweep == null || sweep.objectsVersion != version || t < sweep.from || t >= sweep.until) {
      SpanFacts facts = spanFacts(t);
      sweep =
          new NodeSweep(
              version,
              facts.from,
              facts.until,
              new NodeSnatAttribution.Composition(facts.namespaces(selection(t))));
      if (sweeps.size() >= MAX_ANSWERS) {
        sweeps.clear();
      }
      sweeps.put(nodeSlot, sweep);
    }
    until[0] = Math.min(until[0], sweep.until);
    return sweep.moveTo(podSlots, store, cluster, node, Instant.ofEpochMilli(store.from(nodeSlot)));
  }

  /**
   * The EgressIP rules' matches for an IP at {@code t} that only EgressIPs have then (no pod, no
   * node): as {@link Correlator#attribute} gives them on the whole snapshot, in its order (by
   * EgressIP name; assigned matches first, then unassigned ones), with each EgressIP's owners from
   * its {@link EgressSweep}. Lowers {@code until[0]} to the next change of anything they read.
   * Under the read lock.
   */
  private List<Attribution> egressOnly(String ip, long t, IntervalList owning, long[] until) {
    until[0] = Math.min(until[0], owning.nextStartAfter(t));
    SpanFacts facts = spanFacts(t);
    until[0] = Math.min(until[0], facts.until);
    // the namespaces with pods but no Namespace object then (ClusterSnapshot's, sorted)
    List<String> missing = List.of();
    if (!facts.lackingObject.isEmpty()) {
      until[0] = Math.min(until[0], pods.nextStartAfter(t)); // a pod of one may start
      java.util.TreeSet<String> lacking = new java.util.TreeSet<>();
      for (String ns : facts.lackingObject) {
        int[] valid = podsByNamespace.get(ns).slotsValidAt(t);
        if (valid.length > 0) {
          lacking.add(ns);
        }
        for (int slot : valid) {
          until[0] = Math.min(until[0], store.to(slot)); // or its last pod end
        }
      }
      missing = List.copyOf(lacking);
    }
    int[] slots = owning.slotsValidAt(t);
    Integer[] order = new Integer[slots.length];
    for (int k = 0; k < slots.length; k++) {
      order[k] = slots[k];
      until[0] = Math.min(until[0], store.to(slots[k]));
    }
    Arrays.sort(
        order,
        java.util.Comparator.comparing((Integer slot) -> ((EgressIpState) store.state(slot)).name())
            .thenComparing(slot -> slot));
    List<EgressIpState> states = new ArrayList<>(order.length);
    for (int slot : order) {
      states.add((EgressIpState) store.state(slot));
    }
    List<String> namespacesWithoutObject = missing;
    List<Attribution> matches = new ArrayList<>(1);
    Correlator.egressMatches(
        ip,
        cluster,
        states,
        k -> egressSweep(order[k], states.get(k), t, facts, until),
        k -> Instant.ofEpochMilli(store.from(order[k])),
        () -> namespacesWithoutObject,
        matches);
    return List.copyOf(matches);
  }

  /**
   * The owners of the EgressIP state in {@code egressSlot} at {@code t}: its sweep moved to the
   * pods of the namespaces it selects then. Lowers {@code until[0]} to the next start or end of
   * such a pod. Under the read lock.
   */
  private Correlator.Owners egressSweep(
      int egressSlot, EgressIpState e, long t, SpanFacts facts, long[] until) {
    long version = objectsVersion;
    EgressSweep sweep = egressSweeps.get(egressSlot);
    if (sweep == null || sweep.objectsVersion != version || t < sweep.from || t >= sweep.until) {
      sweep = new EgressSweep(version, facts.from, facts.until, e, facts.selectedBy(egressSlot, e));
      if (egressSweeps.size() >= MAX_ANSWERS) {
        egressSweeps.clear();
      }
      egressSweeps.put(egressSlot, sweep);
    }
    int total = 0;
    int[][] parts = new int[sweep.namespaces.size()][];
    int k = 0;
    for (String ns : sweep.namespaces.keySet()) {
      IntervalList l = podsByNamespace.get(ns);
      parts[k] = l == null ? new int[0] : l.slotsValidAt(t);
      if (l != null) {
        until[0] = Math.min(until[0], l.nextStartAfter(t));
      }
      total += parts[k++].length;
    }
    int[] podSlots = new int[total];
    int n = 0;
    for (int[] part : parts) {
      for (int slot : part) {
        until[0] = Math.min(until[0], store.to(slot));
        podSlots[n++] = slot;
      }
    }
    Arrays.sort(podSlots);
    return sweep.moveTo(podSlots, store);
  }

  /**
   * One EgressIP state's owners as the rules read them at some time (the namespaces it selects, and
   * the active pods of those its podSelector matches), kept from one question to the next within a
   * span of unchanged nodes, namespaces and EgressIPs, like {@link NodeSweep}.
   */
  private static final class EgressSweep {
    final long objectsVersion;
    final long from;
    final long until;
    private final EgressIpState egressIp;
    final java.util.TreeMap<String, NamespaceState> namespaces;
    private final List<String> namespaceNames;
    private final java.util.TreeMap<PodRef, int[]> pods = new java.util.TreeMap<>();
    private int[] slots = new int[0]; // the pods counted, ascending
    private PodRef[] members = new PodRef[0]; // what each counted, null when it is not an owner
    private Correlator.Owners owners;

    EgressSweep(
        long objectsVersion,
        long from,
        long until,
        EgressIpState egressIp,
        java.util.TreeMap<String, NamespaceState> namespaces) {
      this.objectsVersion = objectsVersion;
      this.from = from;
      this.until = until;
      this.egressIp = egressIp;
      this.namespaces = namespaces;
      this.namespaceNames = List.copyOf(namespaces.keySet());
      this.owners = new Correlator.Owners(namespaceNames, List.of());
    }

    /** Counts exactly the pods in {@code podSlots} (ascending) and gives the owners then. */
    synchronized Correlator.Owners moveTo(int[] podSlots, IntervalStore store) {
      if (!Arrays.equals(podSlots, slots)) {
        PodRef[] next = new PodRef[podSlots.length];
        int i = 0;
        int j = 0;
        boolean changed = false;
        while (i < slots.length || j < podSlots.length) {
          if (j == podSlots.length || (i < slots.length && slots[i] < podSlots[j])) {
            changed |= count(members[i++], -1);
          } else if (i == slots.length || podSlots[j] < slots[i]) {
            int slot = podSlots[j];
            String ns = store.podNamespace(slot);
            PodRef owner =
                store.podActive(slot)
                        && egressIp.selects(
                            store.podHostNetwork(slot), store.podLabels(slot), namespaces.get(ns))
                    ? new PodRef(ns, store.podName(slot))
                    : null;
            changed |= count(owner, 1);
            next[j++] = owner;
          } else {
            next[j++] = members[i++];
          }
        }
        slots = podSlots;
        members = next;
        if (changed) {
          owners = new Correlator.Owners(namespaceNames, List.copyOf(pods.keySet()));
        }
      }
      return owners;
    }

    /** True when the set of owner pods changed. */
    private boolean count(PodRef pod, int by) {
      if (pod == null) {
        return false;
      }
      int[] n = pods.get(pod);
      if (n == null) {
        pods.put(pod, new int[] {by});
        return true;
      }
      n[0] += by;
      if (n[0] == 0) {
        pods.remove(pod);
        return true;
      }
      return false;
    }
  }

  /**
   * A namespace's state at {@code t} (the first valid then), or null when it has none. Under the
   * read lock.
   */
  private NamespaceState namespaceAt(String name, long t) {
    NamespaceState[] first = {null};
    IntervalList objects = namespacesByName.get(name);
    if (objects != null) {
      objects.validAt(
          t,
          i -> {
            if (first[0] == null) {
              first[0] = (NamespaceState) i.state;
            }
          });
    }
    return first[0];
  }

  /**
   * One node's pods as the node rule reads them at some time, kept from one question to the next
   * within a span of unchanged nodes, namespaces and EgressIPs ({@code [from, until)} at {@code
   * objectsVersion}): moving to another time in the span adds the pods that are on the node then
   * and were not, and removes those that were and are not, instead of reading them all again.
   */
  private static final class NodeSweep {
    final long objectsVersion;
    final long from;
    final long until;
    private final NodeSnatAttribution.Composition composition;
    private int[] slots = new int[0]; // the pods counted, ascending
    private NodeSnatAttribution.Member[] members = new NodeSnatAttribution.Member[0];
    private Attribution last;
    private List<Attribution> lastAsList = List.of();

    NodeSweep(
        long objectsVersion, long from, long until, NodeSnatAttribution.Composition composition) {
      this.objectsVersion = objectsVersion;
      this.from = from;
      this.until = until;
      this.composition = composition;
    }

    /**
     * Counts exactly the pods in {@code podSlots} (ascending) and gives the match: the same list as
     * last time when the match is unchanged.
     */
    synchronized List<Attribution> moveTo(
        int[] podSlots, IntervalStore store, String cluster, NodeState node, Instant since) {
      if (!Arrays.equals(podSlots, slots)) {
        NodeSnatAttribution.Member[] next = new NodeSnatAttribution.Member[podSlots.length];
        int i = 0;
        int j = 0;
        while (i < slots.length || j < podSlots.length) {
          if (j == podSlots.length || (i < slots.length && slots[i] < podSlots[j])) {
            composition.remove(members[i++]);
          } else if (i == slots.length || podSlots[j] < slots[i]) {
            next[j] = composition.add(store, podSlots[j]);
            j++;
          } else {
            next[j++] = members[i++];
          }
        }
        slots = podSlots;
        members = next;
      }
      Attribution a = composition.attribution(cluster, node, since);
      if (a != last) {
        last = a;
        lastAsList = List.of(a);
      }
      return lastAsList;
    }
  }

  /**
   * What the node rule reads of one node at a time: its state, the pods on it and their namespaces.
   * Under the read lock.
   */
  private record NodePart(
      StateInterval node, List<PodState> pods, Map<String, NamespaceState> namespaces) {}

  /**
   * Gathers a node's part of an answer at {@code t}: adds the node's interval, its pods' and their
   * namespaces' to {@code gathered}, and lowers {@code until[0]} to the next start of a pod on the
   * node or of one of those namespaces. Under the read lock.
   */
  private NodePart gatherNode(StateInterval n, long t, List<StateInterval> gathered, long[] until) {
    gathered.add(n);
    String node = ((NodeState) n.state).name();
    until[0] = Math.min(until[0], nextStart(podsByNode, node, t));
    List<PodState> onNode = new ArrayList<>();
    // by name, the namespace's state then; null when it has none (a key once it is looked up)
    Map<String, NamespaceState> byName = new HashMap<>();
    validAt(
        podsByNode,
        node,
        t,
        p -> {
          gathered.add(p);
          PodState pod = (PodState) p.state;
          onNode.add(pod);
          String ns = pod.namespace();
          if (!byName.containsKey(ns)) {
            byName.put(ns, null);
            IntervalList objects = namespacesByName.get(ns);
            if (objects != null) {
              objects.validAt(
                  t,
                  i -> {
                    gathered.add(i);
                    byName.putIfAbsent(ns, (NamespaceState) i.state);
                  });
              until[0] = Math.min(until[0], objects.nextStartAfter(t));
            }
          }
        });
    return new NodePart(n, onNode, byName);
  }

  /**
   * The rules applied to the states gathered, or the same answer given before for them: the rules
   * but the node rule on a partial snapshot of {@code gathered[0, snapshotEnd)}, the node rule on
   * each node's part.
   */
  private List<Attribution> answer(
      String ip, long t, List<StateInterval> gathered, int snapshotEnd, List<NodePart> nodeParts) {
    // The answer depends only on the states gathered (and when each began): the same intervals
    // give the same answer, so hits between two relevant changes share one.
    int[] slots = new int[gathered.size()];
    for (int k = 0; k < slots.length; k++) {
      slots[k] = gathered.get(k).slot;
    }
    AnswerKey key = new AnswerKey(ip, slots);
    List<Attribution> known = answers.get(key);
    if (known != null) {
      return known;
    }
    EgressSelection selection = selection(t);
    Map<ClusterObject, Instant> objects = new HashMap<>();
    for (int k = 0; k < snapshotEnd; k++) {
      put(objects, gathered.get(k));
    }
    ClusterSnapshot others = new ClusterSnapshot(cluster, objects, selection);
    List<Attribution> nodeMatches = new ArrayList<>(nodeParts.size());
    if (nodeParts.size() > 1) {
      // in the order of a snapshot's nodes: by name
      nodeParts.sort(java.util.Comparator.comparing(p -> ((NodeState) p.node().state).name()));
    }
    for (NodePart part : nodeParts) {
      nodeMatches.add(
          NodeSnatAttribution.of(
              cluster,
              (NodeState) part.node().state,
              Instant.ofEpochMilli(part.node().validFrom),
              part.pods(),
              part.namespaces()::get,
              selection));
    }
    List<Attribution> answer = List.copyOf(Correlator.attribute(ip, others, nodeMatches));
    if (answers.size() >= MAX_ANSWERS) {
      answers.clear();
    }
    answers.put(key, answer);
    return answer;
  }

  /** Remembers that {@code answer} holds over {@code [from, until)}. Under the read lock. */
  private void remember(String ip, long from, long until, List<Attribution> answer) {
    if (until <= from) {
      return;
    }
    if (windows.size() >= MAX_ANSWERS && !windows.containsKey(ip)) {
      forgetWindows();
    }
    windows.put(ip, new Window(from, until, answer));
  }

  private void forgetWindows() {
    windows.clear();
  }

  private static long nextStart(Map<String, IntervalList> index, String key, long t) {
    return nextStart(index.get(key), t);
  }

  /** The earliest start after {@code t} in a list, or {@link #OPEN} when none (or no list). */
  private static long nextStart(IntervalList l, long t) {
    return l == null ? OPEN : l.nextStartAfter(t);
  }

  /**
   * An IP and the intervals an attribution gathered for it, as slots of the store (4 bytes each,
   * not the states read from them): a slot's state and start, which the answer reads, never change,
   * and slots are renumbered only by {@link #prune}, which forgets every answer.
   */
  private record AnswerKey(String ip, int[] slots) {
    @Override
    public boolean equals(Object o) {
      return o instanceof AnswerKey k && k.ip.equals(ip) && Arrays.equals(k.slots, slots);
    }

    @Override
    public int hashCode() {
      return ip.hashCode() * 31 + Arrays.hashCode(slots);
    }

    @Override
    public String toString() {
      return ip + " " + Arrays.toString(slots);
    }
  }

  /**
   * What holds over a span of unchanged nodes, namespaces and EgressIPs ({@code [from, until)} at
   * {@code objectsVersion}, while pods have been seen in {@code namespacesWithPods} namespaces),
   * worked out once for every hit in it: the namespaces with pods but no Namespace object then (an
   * egress match says its owners may be incomplete: {@link
   * ClusterSnapshot#namespacesWithoutObject}), and per egress IP the namespace states its EgressIPs
   * select.
   */
  private final class SpanFacts {
    final long objectsVersion;
    final int namespacesWithPods;
    final long from;
    final long until;
    final List<String> lackingObject;
    private final long at;
    private final Map<String, List<StateInterval>> selected = new ConcurrentHashMap<>();
    private volatile NodeSnatAttribution.Namespaces nodeRuleNamespaces;
    private volatile List<NamespaceState> namespaceStates;
    private final Map<Integer, java.util.TreeMap<String, NamespaceState>> selectedByEgress =
        new ConcurrentHashMap<>();

    SpanFacts(long t) {
      at = t;
      objectsVersion = AttributionTimeline.this.objectsVersion;
      namespacesWithPods = podsByNamespace.size();
      long[] span = objectSpan(t);
      from = span[0];
      until = span[1];
      List<String> lacking = new ArrayList<>();
      for (String ns : podsByNamespace.keySet()) {
        IntervalList objects = namespacesByName.get(ns);
        if (objects == null || !objects.anyValidAt(t)) {
          lacking.add(ns);
        }
      }
      lackingObject = List.copyOf(lacking);
    }

    boolean holdsAt(long t) {
      return objectsVersion == AttributionTimeline.this.objectsVersion
          && namespacesWithPods == podsByNamespace.size()
          && from <= t
          && t < until;
    }

    /**
     * What the node rule reads of each namespace over the span, shared by every node's sweep in it.
     *
     * @param selection the EgressIPs of the span
     */
    NodeSnatAttribution.Namespaces namespaces(EgressSelection selection) {
      NodeSnatAttribution.Namespaces n = nodeRuleNamespaces;
      if (n == null) {
        n = new NodeSnatAttribution.Namespaces(name -> namespaceAt(name, at), selection);
        nodeRuleNamespaces = n;
      }
      return n;
    }

    /**
     * The namespaces an EgressIP state selects in the span, by name (the first state valid of each,
     * in start order): worked out once per span for each EgressIP, from the namespace states of the
     * span, read once for all of them. Read-only once returned.
     *
     * @param egressSlot the EgressIP state's slot in the store, which identifies it
     * @param e that state
     */
    java.util.TreeMap<String, NamespaceState> selectedBy(int egressSlot, EgressIpState e) {
      return selectedByEgress.computeIfAbsent(
          egressSlot,
          k -> {
            java.util.TreeMap<String, NamespaceState> selected = new java.util.TreeMap<>();
            for (NamespaceState ns : namespaceStates()) {
              if (e.selects(ns)) {
                selected.putIfAbsent(ns.name(), ns);
              }
            }
            return selected;
          });
    }

    /** The namespace states valid in the span, in start order. */
    private List<NamespaceState> namespaceStates() {
      List<NamespaceState> states = namespaceStates;
      if (states == null) {
        List<NamespaceState> valid = new ArrayList<>();
        namespaces.validAt(at, n -> valid.add((NamespaceState) n.state));
        states = List.copyOf(valid);
        namespaceStates = states;
      }
      return states;
    }

    /** The namespaces valid at {@code t} that one of {@code relevant} selects, in start order. */
    List<StateInterval> selectedBy(String ip, List<EgressIpState> relevant, long t) {
      return selected.computeIfAbsent(
          ip,
          k -> {
            List<StateInterval> out = new ArrayList<>();
            namespaces.validAt(
                t,
                n -> {
                  for (EgressIpState e : relevant) {
                    if (e.selects((NamespaceState) n.state)) {
                      out.add(n);
                      return;
                    }
                  }
                });
            return List.copyOf(out);
          });
    }
  }

  /** Spans whose facts are known, by start. */
  private final java.util.concurrent.ConcurrentSkipListMap<Long, SpanFacts> spanFacts =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  /** The facts of the span holding {@code t}. Under the read lock. */
  private SpanFacts spanFacts(long t) {
    var known = spanFacts.floorEntry(t);
    if (known != null && known.getValue().holdsAt(t)) {
      return known.getValue();
    }
    SpanFacts f = new SpanFacts(t);
    if (spanFacts.size() >= MAX_SELECTIONS) {
      spanFacts.clear();
    }
    spanFacts.put(f.from, f);
    return f;
  }

  /**
   * The whole state of the cluster at a time, as a snapshot (for {@link NamespaceSources}).
   *
   * @param at the time
   * @return the snapshot; empty before history starts
   */
  public ClusterSnapshot snapshotAt(Instant at) {
    return snapshot(at, pods::validAt);
  }

  /**
   * The state of the cluster at a time with every node, namespace and EgressIP but the pods of some
   * namespaces only: what {@link io.egressaudit.correlator.anomaly.Anomalies#find} needs, once
   * {@link io.egressaudit.correlator.anomaly.Anomalies#namespacesWhosePodsAreRead} has said whose
   * pods it reads.
   *
   * @param at the time
   * @param podsOf the namespaces whose pods to include (empty: no pod)
   * @return the snapshot; empty before history starts
   */
  public ClusterSnapshot snapshotAt(Instant at, java.util.Set<String> podsOf) {
    return snapshot(
        at,
        (t, add) -> {
          for (String ns : podsOf) {
            validAt(podsByNamespace, ns, t, add);
          }
        });
  }

  /** Which pods valid at an epoch-ms time a snapshot holds, handed to {@code add}. */
  @FunctionalInterface
  private interface PodsAt {
    void gather(long t, Consumer<StateInterval> add);
  }

  /** Every node, namespace and EgressIP valid at {@code at}, and the pods {@code podsAt} gives. */
  private ClusterSnapshot snapshot(Instant at, PodsAt podsAt) {
    long t = at.toEpochMilli();
    lock.readLock().lock();
    try {
      Map<ClusterObject, Instant> objects = new HashMap<>();
      Consumer<StateInterval> add = i -> put(objects, i);
      nodes.validAt(t, add);
      namespaces.validAt(t, add);
      podsAt.gather(t, add);
      egressIps.validAt(t, add);
      return new ClusterSnapshot(cluster, objects, selection(t));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The anomalies of the cluster at a time: what {@link Anomalies#find} gives on the whole state
   * then, worked out on the part of it the anomaly rules read (nodes, namespaces, EgressIPs, and
   * the pods of the namespaces {@link Anomalies#readsPodsOf} names), so that a past time does not
   * cost a snapshot of every pod.
   *
   * @param at the time
   * @return the anomalies, in rule order; empty before history or when there are none
   */
  public List<Anomaly> anomaliesAt(Instant at) {
    long t = at.toEpochMilli();
    lock.readLock().lock();
    try {
      List<StateInterval> gathered = new ArrayList<>();
      Consumer<StateInterval> add = gathered::add;
      EgressSelection selection = selection(t);
      egressIps.validAt(t, add);
      nodes.validAt(t, add);
      namespaces.validAt(
          t,
          n -> {
            add.accept(n);
            NamespaceState ns = (NamespaceState) n.state;
            if (Anomalies.readsPodsOf(selection.selecting(ns))) {
              validAt(podsByNamespace, ns.name(), t, add);
            }
          });
      if (gathered.isEmpty()) {
        return List.of();
      }
      // the same intervals give the same anomalies: unless an anomaly rule reads pods, they
      // change only with nodes, namespaces and EgressIPs
      List<Anomaly> known = anomalies.get(gathered);
      if (known != null) {
        return known;
      }
      Map<ClusterObject, Instant> objects = new HashMap<>();
      gathered.forEach(i -> put(objects, i));
      List<Anomaly> found =
          List.copyOf(Anomalies.find(new ClusterSnapshot(cluster, objects, selection)));
      if (anomalies.size() >= MAX_ANOMALY_SETS) {
        anomalies.clear();
      }
      anomalies.put(gathered, found);
      return found;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The span around a time in which no node, namespace or EgressIP state began or ended: the
   * cluster's state without its pods is the same at every time of it. Linear in the intervals of
   * those kinds (thousands in months, against millions of pod intervals).
   *
   * @param t epoch ms
   * @return {@code {from, until}}: the latest such change at or before {@code t} ({@link
   *     Long#MIN_VALUE} when none) and the earliest after it ({@link #OPEN} when none)
   */
  public long[] spanWithoutObjectChanges(long t) {
    lock.readLock().lock();
    try {
      return objectSpan(t);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@link #spanWithoutObjectChanges} under the read lock. */
  private long[] objectSpan(long t) {
    long[] span = {Long.MIN_VALUE, OPEN};
    java.util.function.IntConsumer edge =
        slot -> {
          narrow(span, store.from(slot), t);
          narrow(span, store.to(slot), t);
        };
    nodes.forEachSlot(edge);
    namespaces.forEachSlot(edge);
    egressIps.forEachSlot(edge);
    return span;
  }

  private static void narrow(long[] span, long change, long t) {
    if (change <= t) {
      span[0] = Math.max(span[0], change);
    } else {
      span[1] = Math.min(span[1], change);
    }
  }

  /**
   * Whether this timeline ever held a Node, Namespace or EgressIP of that name (for a namespace, a
   * pod in it counts too: its Namespace object may never have been recorded): what an owner filter
   * naming it can find. Map lookups for namespaces; a pass over the node or EgressIP states
   * (hundreds to thousands, not the pods) for the others.
   *
   * @param kind {@link ObjectKind#NODE}, {@link ObjectKind#NAMESPACE} or {@link
   *     ObjectKind#EGRESS_IP}
   * @param name the object's name (the namespace's, for pods)
   * @throws IllegalArgumentException for another kind
   */
  public boolean everHeld(ObjectKind kind, String name) {
    lock.readLock().lock();
    try {
      return switch (kind) {
        case NAMESPACE -> namespacesByName.containsKey(name) || podsByNamespace.containsKey(name);
        case NODE -> anyState(nodes, o -> ((NodeState) o).name().equals(name));
        case EGRESS_IP -> anyState(egressIps, o -> ((EgressIpState) o).name().equals(name));
        default -> throw new IllegalArgumentException("not an owner kind: " + kind);
      };
    } finally {
      lock.readLock().unlock();
    }
  }

  private boolean anyState(IntervalList list, java.util.function.Predicate<ClusterObject> test) {
    boolean[] found = {false};
    list.forEachSlot(
        slot -> {
          if (!found[0] && test.test(store.state(slot))) {
            found[0] = true;
          }
        });
    return found[0];
  }

  /**
   * A number that grows with every change to the nodes, namespaces or EgressIPs the timeline holds
   * (not its pods): something derived from those alone over a span of {@link
   * #spanWithoutObjectChanges} stays valid while this is unchanged.
   */
  public long objectsVersion() {
    return objectsVersion;
  }

  /**
   * Adds to {@code points} where an interval begins or ends strictly inside {@code (from, to)}: the
   * times a period's answer may change.
   */
  private static Consumer<StateInterval> edgesWithin(
      java.util.TreeSet<Long> points, long from, long to) {
    return i -> {
      if (i.validFrom > from && i.validFrom < to) {
        points.add(i.validFrom);
      }
      if (i.validTo > from && i.validTo < to) {
        points.add(i.validTo);
      }
    };
  }

  /**
   * The times at which this cluster's state changed within {@code [from, to)}, and {@code from}
   * itself: one snapshot per element covers the period. Bounded by the caller's period, not by
   * history.
   *
   * @param from epoch ms
   * @param to epoch ms
   * @param kinds only changes of objects of these kinds
   */
  public long[] changePoints(long from, long to, java.util.Set<ObjectKind> kinds) {
    lock.readLock().lock();
    try {
      java.util.TreeSet<Long> points = new java.util.TreeSet<>();
      points.add(from);
      Consumer<StateInterval> add = edgesWithin(points, from, to);
      if (kinds.contains(ObjectKind.POD)) {
        pods.overlapping(from, to, add);
      }
      if (kinds.contains(ObjectKind.NODE)) {
        nodes.overlapping(from, to, add);
      }
      if (kinds.contains(ObjectKind.NAMESPACE)) {
        namespaces.overlapping(from, to, add);
      }
      if (kinds.contains(ObjectKind.EGRESS_IP)) {
        egressIps.overlapping(from, to, add);
      }
      return points.stream().mapToLong(Long::longValue).toArray();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The times within {@code [from, to)}, and {@code from} itself, at which what {@link
   * #anomaliesAt} reads may change: a node, namespace or EgressIP state beginning or ending, and
   * between those, a pod of a namespace whose pods the anomaly rules read then ({@link
   * Anomalies#readsPodsOf}) starting or ending. The anomalies are the same from one of these times
   * to the next, so evaluating them at each covers the period; a busy cluster's pod changes (about
   * one a second at 10,000 pods) mostly do not count.
   *
   * @param from epoch ms
   * @param to epoch ms
   * @return ascending
   */
  public long[] anomalyChangePoints(long from, long to) {
    lock.readLock().lock();
    try {
      java.util.TreeSet<Long> objectPoints = new java.util.TreeSet<>();
      objectPoints.add(from);
      Consumer<StateInterval> add = edgesWithin(objectPoints, from, to);
      nodes.overlapping(from, to, add);
      namespaces.overlapping(from, to, add);
      egressIps.overlapping(from, to, add);
      java.util.TreeSet<Long> points = new java.util.TreeSet<>(objectPoints);
      Long[] starts = objectPoints.toArray(new Long[0]);
      for (int k = 0; k < starts.length; k++) {
        long spanFrom = starts[k];
        long spanTo = k + 1 < starts.length ? starts[k + 1] : to;
        EgressSelection selection = selection(spanFrom);
        Consumer<StateInterval> podEdges = edgesWithin(points, spanFrom, spanTo);
        namespaces.validAt(
            spanFrom,
            n -> {
              NamespaceState ns = (NamespaceState) n.state;
              IntervalList onIt = podsByNamespace.get(ns.name());
              if (onIt != null && Anomalies.readsPodsOf(selection.selecting(ns))) {
                onIt.overlapping(spanFrom, spanTo, podEdges);
              }
            });
      }
      return points.stream().mapToLong(Long::longValue).toArray();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Where a namespace's traffic could have come from over a period: every source IP that some rule
   * could attribute to the namespace (as an owner, a candidate or a leak suspect), with the spans
   * when it could. A superset: the IPs of EgressIPs while they selected the namespace, the node IPs
   * of nodes while the namespace had a pod there, and its pods' IPs. Attribute each hit found to
   * know for sure.
   *
   * @param namespace the namespace
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   * @return spans by IP; merged where they touch
   */
  public List<IpSpan> namespaceSpans(String namespace, long from, long to) {
    lock.readLock().lock();
    try {
      SpanCollector out = new SpanCollector(from, to);
      IntervalList nsList = namespacesByName.get(namespace);
      if (nsList != null) {
        nsList.overlapping(
            from,
            to,
            n ->
                egressIps.overlapping(
                    Math.max(from, n.validFrom),
                    Math.min(to, n.validTo),
                    e -> {
                      EgressIpState eip = (EgressIpState) e.state;
                      if (eip.selects((NamespaceState) n.state)) {
                        long f = Math.max(n.validFrom, e.validFrom);
                        long u = Math.min(n.validTo, e.validTo);
                        eip.egressIPs().forEach(ip -> out.add(ip, f, u));
                        eip.assignments().forEach(a -> out.add(a.egressIP(), f, u));
                      }
                    }));
      }
      IntervalList podList = podsByNamespace.get(namespace);
      if (podList != null) {
        podList.overlapping(
            from,
            to,
            p -> {
              PodState pod = (PodState) p.state;
              pod.podIps().forEach(ip -> out.add(ip, p.validFrom, p.validTo));
              if (pod.nodeName() != null) {
                nodes.overlapping(
                    Math.max(from, p.validFrom),
                    Math.min(to, p.validTo),
                    n -> {
                      NodeState node = (NodeState) n.state;
                      if (node.name().equals(pod.nodeName())) {
                        long f = Math.max(n.validFrom, p.validFrom);
                        long u = Math.min(n.validTo, p.validTo);
                        node.addresses().forEach(ip -> out.add(ip, f, u));
                      }
                    });
              }
            });
      }
      return out.spans();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Where traffic an EgressIP object owned could have come from over a period: its IPs (asked for
   * or assigned) with the spans it had them.
   *
   * @param name the EgressIP's {@code metadata.name}
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   */
  public List<IpSpan> egressIpSpans(String name, long from, long to) {
    lock.readLock().lock();
    try {
      SpanCollector out = new SpanCollector(from, to);
      egressIps.overlapping(
          from,
          to,
          e -> {
            EgressIpState eip = (EgressIpState) e.state;
            if (eip.name().equals(name)) {
              eip.egressIPs().forEach(ip -> out.add(ip, e.validFrom, e.validTo));
              eip.assignments().forEach(a -> out.add(a.egressIP(), e.validFrom, e.validTo));
            }
          });
      return out.spans();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The source IPs that attribution can tie to a node over a period: its addresses, the egress IPs
   * assigned to it, and the IPs of its pods.
   *
   * @param node the node's {@code metadata.name}
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   */
  public List<IpSpan> nodeSpans(String node, long from, long to) {
    lock.readLock().lock();
    try {
      SpanCollector out = new SpanCollector(from, to);
      nodes.overlapping(
          from,
          to,
          n -> {
            NodeState s = (NodeState) n.state;
            if (s.name().equals(node)) {
              s.addresses().forEach(ip -> out.add(ip, n.validFrom, n.validTo));
            }
          });
      egressIps.overlapping(
          from,
          to,
          e ->
              ((EgressIpState) e.state)
                  .assignments().stream()
                      .filter(a -> node.equals(a.node()))
                      .forEach(a -> out.add(a.egressIP(), e.validFrom, e.validTo)));
      IntervalList podList = podsByNode.get(node);
      if (podList != null) {
        podList.overlapping(
            from,
            to,
            p -> ((PodState) p.state).podIps().forEach(ip -> out.add(ip, p.validFrom, p.validTo)));
      }
      return out.spans();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The source IPs that can match a kind of rule over a period: EgressIP IPs for {@code egress-ip}
   * and {@code egress-ip-unassigned}, node addresses for {@code node}, pod IPs for {@code pod}.
   *
   * @param kind any kind but {@link AttributionKind#UNKNOWN}
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   * @throws IllegalArgumentException for {@code unknown}, which no IP set describes
   */
  public List<IpSpan> kindSpans(AttributionKind kind, long from, long to) {
    lock.readLock().lock();
    try {
      SpanCollector out = new SpanCollector(from, to);
      switch (kind) {
        case EGRESS_IP, EGRESS_IP_UNASSIGNED ->
            egressIps.overlapping(
                from,
                to,
                e -> {
                  EgressIpState eip = (EgressIpState) e.state;
                  eip.egressIPs().forEach(ip -> out.add(ip, e.validFrom, e.validTo));
                  eip.assignments().forEach(a -> out.add(a.egressIP(), e.validFrom, e.validTo));
                });
        case NODE ->
            nodes.overlapping(
                from,
                to,
                n ->
                    ((NodeState) n.state)
                        .addresses()
                        .forEach(ip -> out.add(ip, n.validFrom, n.validTo)));
        case POD ->
            pods.overlapping(
                from,
                to,
                p -> {
                  PodState pod = (PodState) p.state;
                  if (!pod.hostNetwork()) {
                    pod.podIps().forEach(ip -> out.add(ip, p.validFrom, p.validTo));
                  }
                });
        case UNKNOWN -> throw new IllegalArgumentException("no IP set describes unknown");
      }
      return out.spans();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Every owner a source IP has had over a period, as the rules name it, with the span each held:
   * consecutive times with the same answer are one span.
   *
   * @param ip canonical source IP
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   * @return the spans in time order
   */
  public List<OwnerSpan> ownersOf(String ip, long from, long to) {
    java.util.TreeSet<Long> points = new java.util.TreeSet<>();
    lock.readLock().lock();
    try {
      points.add(from);
      Consumer<StateInterval> add = edgesWithin(points, from, to);
      egressIps.overlapping(from, to, add);
      IntervalList l = nodesByAddress.get(ip);
      if (l != null) {
        l.overlapping(
            from,
            to,
            n -> {
              add.accept(n);
              validOverlapping(podsByNode, ((NodeState) n.state).name(), from, to, add);
            });
      }
      IntervalList withIp = podsByIp.get(ip);
      if (withIp != null) {
        withIp.overlapping(from, to, add);
      }
      IntervalList owning = egressIpsByIp.get(ip);
      if (owning != null) {
        namespaces.overlapping(from, to, add);
      }
    } finally {
      lock.readLock().unlock();
    }
    List<OwnerSpan> out = new ArrayList<>();
    Map<Attribution, Integer> running = new HashMap<>();
    Long[] ts = points.toArray(new Long[0]);
    for (int k = 0; k < ts.length; k++) {
      long t = ts[k];
      long end = k + 1 < ts.length ? ts[k + 1] : to;
      Map<Attribution, Integer> next = new HashMap<>();
      for (Attribution a : attribute(ip, Instant.ofEpochMilli(t))) {
        Attribution key = ownerKey(a);
        Integer j = running.get(key);
        if (j != null) {
          OwnerSpan s = out.get(j);
          out.set(j, new OwnerSpan(s.owner(), s.from(), end));
        } else {
          j = out.size();
          out.add(new OwnerSpan(a, t, end));
        }
        next.put(key, j);
      }
      running = next;
    }
    return out;
  }

  /**
   * Every source IP a namespace's traffic had to leave with over a period, as {@link
   * NamespaceSources} says at each time, with the spans each held: what a firewall rule for the
   * namespace must allow over the period. The rules are applied at every change of the namespace,
   * its pods, the EgressIPs or the nodes within the period, and consecutive times with the same
   * source (IP, kind, EgressIP, node) are one span.
   *
   * @param namespace the namespace
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   * @return the spans in the order they began, then by IP; empty when the namespace had no active
   *     pod in the period
   */
  public List<SourceSpan> sourcesOf(String namespace, long from, long to) {
    java.util.TreeSet<Long> points = new java.util.TreeSet<>();
    lock.readLock().lock();
    try {
      points.add(from);
      Consumer<StateInterval> add = edgesWithin(points, from, to);
      validOverlapping(namespacesByName, namespace, from, to, add);
      validOverlapping(podsByNamespace, namespace, from, to, add);
      egressIps.overlapping(from, to, add);
      nodes.overlapping(from, to, add);
    } finally {
      lock.readLock().unlock();
    }
    List<SourceSpan> out = new ArrayList<>();
    Map<SourceKey, Integer> running = new HashMap<>();
    Long[] ts = points.toArray(new Long[0]);
    for (int k = 0; k < ts.length; k++) {
      long t = ts[k];
      long end = k + 1 < ts.length ? ts[k + 1] : to;
      Map<SourceKey, Integer> next = new HashMap<>();
      ClusterSnapshot at = namespaceSnapshotAt(namespace, t);
      for (ExpectedSource e : NamespaceSources.of(namespace, at).sources()) {
        SourceKey key = new SourceKey(e.ip(), e.kind(), e.egressIP(), e.node());
        Integer j = running.get(key);
        if (j != null) {
          SourceSpan s = out.get(j);
          out.set(j, s.until(end));
        } else {
          j = out.size();
          out.add(new SourceSpan(cluster, e.ip(), e.kind(), e.egressIP(), e.node(), t, end));
        }
        next.put(key, j);
      }
      running = next;
    }
    return out;
  }

  /**
   * What {@link NamespaceSources} reads at a time: the namespace, its pods, the EgressIPs and the
   * nodes.
   */
  private ClusterSnapshot namespaceSnapshotAt(String namespace, long t) {
    lock.readLock().lock();
    try {
      Map<ClusterObject, Instant> objects = new HashMap<>();
      Consumer<StateInterval> add = i -> put(objects, i);
      validAt(namespacesByName, namespace, t, add);
      validAt(podsByNamespace, namespace, t, add);
      egressIps.validAt(t, add);
      nodes.validAt(t, add);
      return new ClusterSnapshot(cluster, objects, selection(t));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * One source IP a namespace had to leave with, and the span it had to.
   *
   * @param cluster the cluster
   * @param ip canonical source IP
   * @param kind {@code egress-ip} or {@code node}
   * @param egressIP the EgressIP object's name, for {@code egress-ip}
   * @param node the egress node holding the IP, or the node whose IP it is
   * @param from epoch ms, included
   * @param until epoch ms, excluded (the end of the period asked when it held until then)
   */
  public record SourceSpan(
      String cluster,
      String ip,
      AttributionKind kind,
      String egressIP,
      String node,
      long from,
      long until) {

    SourceSpan until(long end) {
      return new SourceSpan(cluster, ip, kind, egressIP, node, from, end);
    }
  }

  /** What makes two expected sources the same over time: all but the pods. */
  private record SourceKey(String ip, AttributionKind kind, String egressIP, String node) {}

  /**
   * What makes two answers the same owner over time: all but the pods, which come and go, and
   * {@code since}, which moves whenever the owning object changes in a way attribution does not
   * read (a label, an annotation): the row keeps the first one's.
   */
  private static Attribution ownerKey(Attribution a) {
    return Attribution.builder(a.kind())
        .cluster(a.cluster())
        .egressIP(a.egressIP())
        .node(a.node())
        .namespaces(a.namespaces())
        .assignedIPs(a.assignedIPs())
        .ambiguous(a.ambiguous())
        .leakSuspects(a.leakSuspects())
        .build();
  }

  /**
   * What history covers.
   *
   * @param firstChange the earliest time the timeline knows a state at, or null when empty
   * @param lastChange the latest time a state began or ended, or null when empty
   * @param objectsNow objects valid now (at {@code lastChange} or later), by kind
   * @param intervals intervals held in memory
   */
  public record Coverage(
      Instant firstChange,
      Instant lastChange,
      Map<ObjectKind, Integer> objectsNow,
      long intervals) {}

  /** What history covers, for {@code clusters}. */
  public Coverage coverage() {
    lock.readLock().lock();
    try {
      Map<ObjectKind, Integer> counts = new EnumMap<>(ObjectKind.class);
      for (ObjectKind k : ObjectKind.values()) {
        counts.put(k, 0);
      }
      open.keySet().forEach(r -> counts.merge(r.kind(), 1, Integer::sum));
      return new Coverage(
          firstChange == Long.MAX_VALUE ? null : Instant.ofEpochMilli(firstChange),
          lastChange == Long.MIN_VALUE ? null : Instant.ofEpochMilli(lastChange),
          counts,
          intervals);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * An answer of {@link #attribute} already worked out, with what a caller needs to use it without
   * asking again.
   *
   * @param answer the matches in rule order, as {@link #attribute} returns them
   * @param historyStart as {@link #historyStart()} (null when the timeline knows no state)
   * @param lastChangeMillis as {@link #lastChangeMillis()}
   * @param version as {@link #version()}, read with the rest
   */
  public record Known(
      List<Attribution> answer, Instant historyStart, long lastChangeMillis, long version) {}

  /**
   * What {@link #attribute} answers for {@code ip} at {@code at} when an earlier question's answer
   * is known to hold then, or when nothing this timeline holds ever had the IP (no match), without
   * working anything out and without waiting: null when it would have to be worked out, or when a
   * change is being applied (the write lock is held). For a thread that must not block, such as an
   * event loop; anything else asks {@link #attribute}.
   *
   * @param ip canonical text as {@link SourceIp#canonical(String)} returns it
   * @param at the time the IP was seen
   * @return the known answer and the timeline's facts read with it, or null
   */
  public Known known(String ip, Instant at) {
    if (!lock.readLock().tryLock()) {
      return null;
    }
    try {
      long t = at.toEpochMilli();
      Window w = windows.get(ip);
      List<Attribution> answer;
      if (w != null && w.from() <= t && t < w.until()) {
        answer = w.answer();
      } else if (egressIpsByIp.get(ip) == null
          && podsByIp.get(ip) == null
          && !nodesByAddress.containsKey(ip)) {
        answer = List.of(); // as attribute answers an IP nothing held
      } else {
        return null;
      }
      return new Known(
          answer,
          firstChange == Long.MAX_VALUE ? null : Instant.ofEpochMilli(firstChange),
          lastChange,
          version);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The earliest time this timeline knows the cluster's state at, or null when it knows none. */
  public Instant historyStart() {
    lock.readLock().lock();
    try {
      return firstChange == Long.MAX_VALUE ? null : Instant.ofEpochMilli(firstChange);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * A number that grows with every change to what the timeline holds (an interval added, ended or
   * pruned): a cache of something derived from it is valid while this is unchanged.
   */
  public long version() {
    return version;
  }

  /**
   * The latest time a state began or ended, epoch ms; {@link Long#MIN_VALUE} when empty. The state
   * at any time at or after it is the current state.
   */
  public long lastChangeMillis() {
    lock.readLock().lock();
    try {
      return lastChange;
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static void put(Map<ClusterObject, Instant> objects, StateInterval i) {
    objects.put(i.state, Instant.ofEpochMilli(i.validFrom));
  }

  private static void validAt(
      Map<String, IntervalList> index, String key, long t, Consumer<StateInterval> into) {
    IntervalList l = index.get(key);
    if (l != null) {
      l.validAt(t, into);
    }
  }

  private static void validOverlapping(
      Map<String, IntervalList> index,
      String key,
      long from,
      long to,
      Consumer<StateInterval> into) {
    IntervalList l = index.get(key);
    if (l != null) {
      l.overlapping(from, to, into);
    }
  }

  /** The shared derived facts of the EgressIPs valid at {@code t}. Under the read lock. */
  private EgressSelection selection(long t) {
    int i = Arrays.binarySearch(egressChangePoints, t);
    long epoch = i >= 0 ? i : -i - 2;
    if (selections.size() >= MAX_SELECTIONS) {
      // each holds what it worked out per namespace: months of failovers asked about at random
      // would otherwise keep them all
      selections.clear();
    }
    return selections.computeIfAbsent(
        epoch,
        e -> {
          List<EgressIpState> states = new ArrayList<>();
          egressIps.validAt(t, s -> states.add((EgressIpState) s.state));
          // the order a snapshot keeps them in: by name
          states.sort(java.util.Comparator.comparing(EgressIpState::name));
          return new EgressSelection(states);
        });
  }

  /**
   * One source IP and a span of time.
   *
   * @param ip canonical source IP
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   */
  public record IpSpan(String ip, long from, long to) {}

  /**
   * One owner of a source IP and the span it held it.
   *
   * @param owner the attribution (pods as at the start of the span)
   * @param from epoch ms, included
   * @param until epoch ms, excluded
   */
  public record OwnerSpan(Attribution owner, long from, long until) {}

  /** Collects spans per IP, clipped to a period and merged where they touch or overlap. */
  private static final class SpanCollector {
    private final long from;
    private final long to;
    private final Map<String, TreeMap<Long, Long>> byIp = new LinkedHashMap<>();

    SpanCollector(long from, long to) {
      this.from = from;
      this.to = to;
    }

    void add(String ip, long f, long u) {
      long a = Math.max(from, f);
      long b = Math.min(to, u);
      if (a >= b) {
        return;
      }
      TreeMap<Long, Long> spans = byIp.computeIfAbsent(ip, k -> new TreeMap<>());
      var before = spans.floorEntry(a);
      if (before != null && before.getValue() >= a) {
        a = before.getKey();
        b = Math.max(b, before.getValue());
        spans.remove(before.getKey());
      }
      var next = spans.ceilingEntry(a);
      while (next != null && next.getKey() <= b) {
        b = Math.max(b, next.getValue());
        spans.remove(next.getKey());
        next = spans.ceilingEntry(a);
      }
      spans.put(a, b);
    }

    List<IpSpan> spans() {
      List<IpSpan> out = new ArrayList<>();
      byIp.forEach((ip, spans) -> spans.forEach((f, u) -> out.add(new IpSpan(ip, f, u))));
      return out;
    }
  }
}
