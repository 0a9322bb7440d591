package io.egressaudit.controller.informer;

import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Keys of objects that changed, for one worker: each object at most once, with the time of its
 * latest event. Informer handlers only {@link #offer} here, so they never wait on the database; the
 * worker reads the object's current state from the informer's store when it takes the key, so ten
 * events for one object before the worker gets to it cost one read and one write.
 *
 * <p>Beside single keys it holds {@link Relist}s: the keys a list made by fabric8 on its own (after
 * a watch ended with 410 Gone, or failed) found changed, handed over as one unit when that list
 * ends, so they are recorded together at its time; the worker takes them before any later key.
 */
final class ChangeQueue {

  /**
   * What one relist by fabric8 found: the keys whose objects it added, changed or removed in the
   * informer's store (fabric8 reports only objects whose resource version changed).
   *
   * @param kind the kind listed again
   * @param keys the objects the list found different from the store
   * @param at when the list was in the store
   * @param after the failure that made fabric8 list again, or null when the watch expired (410
   *     Gone, which fabric8 does not report to the exception handler)
   */
  record Relist(ObjectKind kind, Set<ObjectRef> keys, Instant at, Throwable after) {}

  private final Map<ObjectRef, Instant> pending = new LinkedHashMap<>();
  private final Deque<Relist> relists = new ArrayDeque<>();
  private boolean closed;

  /** Notes that {@code ref} changed at {@code at}; a key already waiting keeps its place. */
  synchronized void offer(ObjectRef ref, Instant at) {
    if (closed) {
      return;
    }
    pending.merge(ref, at, ChangeQueue::later);
    notifyAll();
  }

  /**
   * Waits for changed keys and takes up to {@code max} of them, oldest first.
   *
   * @return the keys with their latest event times; empty once the queue is closed
   */
  synchronized Map<ObjectRef, Instant> take(int max) throws InterruptedException {
    while (pending.isEmpty() && !closed) {
      wait();
    }
    Map<ObjectRef, Instant> batch = new LinkedHashMap<>();
    Iterator<Map.Entry<ObjectRef, Instant>> it = pending.entrySet().iterator();
    while (!closed && it.hasNext() && batch.size() < max) {
      Map.Entry<ObjectRef, Instant> e = it.next();
      batch.put(e.getKey(), e.getValue());
      it.remove();
    }
    return batch;
  }

  /**
   * Like {@link #take(int)}, but waits at most {@code timeout}: the worker also has watches to
   * check. Takes no key while a {@link Relist} waits, as keys offered after it may be of the same
   * objects: the worker is to record the relist first.
   *
   * @return the keys with their latest event times; empty on timeout, while a relist waits, or once
   *     the queue is closed
   */
  synchronized Map<ObjectRef, Instant> take(int max, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left;
    while (pending.isEmpty()
        && relists.isEmpty()
        && !closed
        && (left = deadline - System.nanoTime()) > 0) {
      wait(Math.max(1, left / 1_000_000));
    }
    return pending.isEmpty() || !relists.isEmpty() ? new LinkedHashMap<>() : take(max);
  }

  /** Hands over what a relist found, once its list is in the store. */
  synchronized void offerRelist(Relist relist) {
    if (closed) {
      return;
    }
    relists.addLast(relist);
    notifyAll();
  }

  /** The oldest relist waiting, or null. */
  synchronized Relist pollRelist() {
    return relists.pollFirst();
  }

  /** Puts back a relist whose recording failed, to be taken first again. */
  synchronized void retryRelist(Relist relist) {
    if (!closed) {
      relists.addFirst(relist);
    }
  }

  /** Whether {@link #close()} was called. */
  synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Puts back keys whose recording failed; a key that changed again meanwhile keeps the later time.
   */
  synchronized void retry(Map<ObjectRef, Instant> keys) {
    if (closed) {
      return;
    }
    keys.forEach((ref, at) -> pending.merge(ref, at, ChangeQueue::later));
    notifyAll();
  }

  /** Forgets every waiting key and relist: the caller is about to read the whole store. */
  synchronized void clear() {
    pending.clear();
    relists.clear();
  }

  /** How many keys wait. */
  synchronized int size() {
    return pending.size();
  }

  /** Wakes the worker for good; later offers are ignored. */
  synchronized void close() {
    closed = true;
    pending.clear();
    relists.clear();
    notifyAll();
  }

  /**
   * Waits up to {@code timeout} for {@link #close()}: the worker's pause before retrying a failed
   * write, cut short when the watcher stops.
   *
   * @return whether the queue is closed
   */
  synchronized boolean awaitClosed(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left;
    while (!closed && (left = deadline - System.nanoTime()) > 0) {
      wait(Math.max(1, left / 1_000_000));
    }
    return closed;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
