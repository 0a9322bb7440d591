package io.egressaudit.correlator;

import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The intervals of each pod IP, as {@link IntervalList}s of a timeline's store: a month of a busy
 * cluster has hundreds of thousands of pod IPs, and a hash map entry, key string and its bytes per
 * IP were most of the objects the garbage collector had to trace in the whole history. IPv4
 * addresses are therefore keyed by their 32-bit value in an open-addressing map (fastutil's, no
 * object per entry and no key object); other IPs (IPv6) by their canonical text.
 *
 * <p>Not thread-safe: the timeline guards it.
 */
final class PodIpIndex {

  private final IntervalStore store;
  private final Int2ObjectOpenHashMap<IntervalList> ipv4 = new Int2ObjectOpenHashMap<>();
  private final Map<String, IntervalList> other = new HashMap<>();

  PodIpIndex(IntervalStore store) {
    this.store = store;
  }

  /**
   * The intervals of a pod IP.
   *
   * @param ip canonical text
   * @return its list, or null when no pod had the IP
   */
  IntervalList get(String ip) {
    long v4 = IntervalStore.ipv4(ip);
    return v4 >= 0 ? ipv4.get((int) v4) : other.get(ip);
  }

  /** The intervals of a pod IP given as canonical text, made empty when there are none yet. */
  IntervalList list(String ip) {
    long v4 = IntervalStore.ipv4(ip);
    return v4 >= 0 ? list((int) v4) : other.computeIfAbsent(ip, k -> new IntervalList(store));
  }

  /** The intervals of an IPv4 pod IP given as its 32-bit value, made empty when none yet. */
  IntervalList list(int address) {
    IntervalList l = ipv4.get(address);
    if (l == null) {
      l = new IntervalList(store);
      ipv4.put(address, l);
    }
    return l;
  }

  /** Drops the lists {@code drop} accepts (after it has looked at each, e.g. renumbered it). */
  void removeIf(Predicate<IntervalList> drop) {
    ipv4.values().removeIf(drop);
    other.values().removeIf(drop);
  }
}
