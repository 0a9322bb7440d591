package io.egressaudit.controller.informer;

import io.egressaudit.controller.InvalidClusterObjectException;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One kind of object watched on a cluster: its informer (no resync: the watch says when something
 * changed), a handler that only enqueues the object's key, and the conversion of the informer's
 * cached object to the correlator model through {@link
 * io.egressaudit.controller.KubernetesObjects}.
 *
 * @param <T> the fabric8 type
 */
final class WatchedKind<T extends HasMetadata> {

  private final ObjectKind kind;
  private final Informable<T> source;
  private final Function<T, ? extends ClusterObject> convert;
  private final ChangeQueue queue;
  private final Clock clock;
  private final ExceptionHandler onError;
  private final AtomicLong lists = new AtomicLong();
  private volatile SharedIndexInformer<T> informer;

  /**
   * Creates the informer without starting it.
   *
   * @param kind the kind
   * @param source the fabric8 operation to list and watch, such as {@code client.nodes()}
   * @param convert fabric8 object to correlator object; throws {@link
   *     InvalidClusterObjectException}
   * @param queue where changed keys go
   * @param clock what "observed at" means
   * @param onError what to do when listing or watching fails; see {@link ExceptionHandler}
   */
  WatchedKind(
      ObjectKind kind,
      Informable<T> source,
      Function<T, ? extends ClusterObject> convert,
      ChangeQueue queue,
      Clock clock,
      ExceptionHandler onError) {
    this.kind = kind;
    this.source = source;
    this.convert = convert;
    this.queue = queue;
    this.clock = clock;
    this.onError = onError;
    this.informer = newInformer();
  }

  private SharedIndexInformer<T> newInformer() {
    SharedIndexInformer<T> i = source.runnableInformer(0);
    EnqueueKey handler = new EnqueueKey(kind, queue, clock, lists);
    i.exceptionHandler(
        (started, t) -> {
          handler.failed(t);
          return onError.retryAfterException(started, t);
        });
    i.addEventHandler(handler);
    return i;
  }

  ObjectKind kind() {
    return kind;
  }

  /** Starts listing and watching; completes when the first list is in the store. */
  CompletableFuture<Void> start() {
    return informer.start().toCompletableFuture();
  }

  /**
   * Lists again through a fresh informer (a fresh store, then a watch from the list's resource
   * version), after the watch was lost: fabric8 would otherwise retry the old watch from its last
   * resource version, and a deletion missed meanwhile might never be seen.
   *
   * @return completes when the new informer's list is in its store
   */
  synchronized CompletableFuture<Void> restart() {
    informer.close();
    informer = newInformer();
    return start();
  }

  /** Whether the informer's watch is open now (false while it lists or reconnects). */
  boolean isWatching() {
    return informer.isWatching();
  }

  /**
   * How many times this kind was listed again after its first list: after a 410 Gone, or through
   * {@link #restart()}.
   */
  long relists() {
    return Math.max(0, lists.get() - 1);
  }

  /**
   * The object's current state in the informer's store.
   *
   * @return the state, or null when the store does not hold the object (deleted)
   * @throws InvalidClusterObjectException when the object cannot be converted
   */
  ClusterObject current(ObjectRef ref) {
    T o = informer.getStore().getByKey(Cache.namespaceKeyFunc(ref.namespace(), ref.name()));
    return o == null ? null : convert.apply(o);
  }

  /** Every object in the store, as fabric8 objects. */
  List<T> cached() {
    return informer.getStore().list();
  }

  /** Converts one cached object; throws {@link InvalidClusterObjectException}. */
  ClusterObject convert(T object) {
    return convert.apply(object);
  }

  void close() {
    informer.close();
  }

  /** The key of a fabric8 object. */
  static ObjectRef ref(ObjectKind kind, HasMetadata o) {
    return new ObjectRef(kind, o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /**
   * Informer handler: no work beyond noting the key and the time (fabric8 runs it on its own
   * threads, one at a time per informer).
   *
   * <p>When fabric8 lists again on its own (its watch ended with 410 Gone, or failed), it calls
   * {@code onBeforeList} with the resource version it had, then reports the objects the list found
   * changed, added or removed, then {@code onList}. The keys in between are kept apart and handed
   * to the worker as one {@link ChangeQueue.Relist} at {@code onList}, so the changes missed while
   * the watch was gone are recorded together, at the time the list was in, and counted in one log
   * line. A fresh informer's first list ({@code onBeforeList(null)}) is not a relist.
   */
  private static final class EnqueueKey implements ResourceEventHandler<HasMetadata> {

    private final ObjectKind kind;
    private final ChangeQueue queue;
    private final Clock clock;
    private final AtomicLong lists;
    // the handler thread's own, between onBeforeList and onList of a relist
    private Set<ObjectRef> relisted;
    private Throwable relistCause;
    private volatile Throwable lastFailure;

    EnqueueKey(ObjectKind kind, ChangeQueue queue, Clock clock, AtomicLong lists) {
      this.kind = kind;
      this.queue = queue;
      this.clock = clock;
      this.lists = lists;
    }

    /** The informer's exception handler heard of {@code t}: the next relist follows it. */
    void failed(Throwable t) {
      lastFailure = t;
    }

    @Override
    public void onBeforeList(String lastSyncResourceVersion) {
      if (lastSyncResourceVersion != null) {
        relisted = new LinkedHashSet<>();
        // fabric8 tells the exception handler of every failure that makes it list again, except
        // a watch ended by 410 Gone
        relistCause = lastFailure;
      }
      lastFailure = null;
    }

    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
      lists.incrementAndGet();
      Set<ObjectRef> found = relisted;
      relisted = null;
      lastFailure = null; // those that held up this list are over
      if (found != null) {
        queue.offerRelist(new ChangeQueue.Relist(kind, found, clock.instant(), relistCause));
      }
    }

    @Override
    public void onAdd(HasMetadata o) {
      changed(o);
    }

    @Override
    public void onUpdate(HasMetadata old, HasMetadata o) {
      changed(o);
    }

    @Override
    public void onDelete(HasMetadata o, boolean finalStateUnknown) {
      changed(o);
    }

    private void changed(HasMetadata o) {
      ObjectRef ref = ref(kind, o);
      if (relisted != null) {
        relisted.add(ref);
      } else {
        queue.offer(ref, clock.instant());
      }
    }
  }
}
