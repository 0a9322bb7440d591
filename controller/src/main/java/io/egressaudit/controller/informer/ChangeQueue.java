package io.egressaudit.controller.informer;

import io.egressaudit.correlator.ObjectRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keys of objects that changed, for one worker: each object at most once, with the time of its
 * latest event. Informer handlers only {@link #offer} here, so they never wait on the database; the
 * worker reads the object's current state from the informer's store when it takes the key, so ten
 * events for one object before the worker gets to it cost one read and one write.
 */
final class ChangeQueue {

  private final Map<ObjectRef, Instant> pending = new LinkedHashMap<>();
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
   * check.
   *
   * @return the keys with their latest event times; empty on timeout or once the queue is closed
   */
  synchronized Map<ObjectRef, Instant> take(int max, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left;
    while (pending.isEmpty() && !closed && (left = deadline - System.nanoTime()) > 0) {
      wait(Math.max(1, left / 1_000_000));
    }
    return pending.isEmpty() ? new LinkedHashMap<>() : take(max);
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

  /** Forgets every waiting key: the caller is about to read the whole store. */
  synchronized void clear() {
    pending.clear();
  }

  /** How many keys wait. */
  synchronized int size() {
    return pending.size();
  }

  /** Wakes the worker for good; later offers are ignored. */
  synchronized void close() {
    closed = true;
    pending.clear();
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
