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
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
  private final SharedIndexInformer<T> informer;
  private final Function<T, ? extends ClusterObject> convert;

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
    this.convert = convert;
    this.informer = source.runnableInformer(0);
    informer.exceptionHandler(onError);
    informer.addEventHandler(new EnqueueKey(kind, queue, clock));
  }

  ObjectKind kind() {
    return kind;
  }

  /** Starts listing and watching; completes when the first list is in the store. */
  CompletableFuture<Void> start() {
    return informer.start().toCompletableFuture();
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
   * threads).
   */
  private record EnqueueKey(ObjectKind kind, ChangeQueue queue, Clock clock)
      implements ResourceEventHandler<HasMetadata> {

    @Override
    public void onAdd(HasMetadata o) {
      queue.offer(ref(kind, o), clock.instant());
    }

    @Override
    public void onUpdate(HasMetadata old, HasMetadata o) {
      queue.offer(ref(kind, o), clock.instant());
    }

    @Override
    public void onDelete(HasMetadata o, boolean finalStateUnknown) {
      queue.offer(ref(kind, o), clock.instant());
    }
  }
}
