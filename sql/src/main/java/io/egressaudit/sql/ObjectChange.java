package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectRef;
import java.time.Instant;
import java.util.Objects;

/**
 * One observation of one object of a live cluster: its state from {@code at} on, or its deletion at
 * {@code at}.
 *
 * @param at when the change was observed (a watch event's arrival, for informers)
 * @param ref the object
 * @param state its state from {@code at} on, or null when it was deleted
 */
public record ObjectChange(Instant at, ObjectRef ref, ClusterObject state) {

  /**
   * Checks the parts.
   *
   * @throws IllegalArgumentException when {@code state} is of another object than {@code ref}
   */
  public ObjectChange {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(ref, "ref");
    if (state != null && !state.ref().equals(ref)) {
      throw new IllegalArgumentException("state of " + state.ref() + " given for " + ref);
    }
  }

  /** The object has {@code state} from {@code at} on (new, or changed). */
  public static ObjectChange observed(Instant at, ClusterObject state) {
    return new ObjectChange(at, state.ref(), state);
  }

  /** The object was deleted at {@code at}. */
  public static ObjectChange deleted(Instant at, ObjectRef ref) {
    return new ObjectChange(at, ref, null);
  }

  /** Whether this is a deletion. */
  public boolean isDeletion() {
    return state == null;
  }
}
