package io.egressaudit.controller;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Turns a failed conversion of a generic {@code EgressIP} into the typed {@link EgressIP} into a
 * message naming the field, what it should have been and what it was, such as {@code
 * spec.egressIPs: expected a list, found '192.168.126.100'}.
 */
final class EgressIpShapes {

  private EgressIpShapes() {}

  /**
   * The exception for a conversion that failed.
   *
   * @param object the object as messages name it, such as {@code EgressIP egressip-demo}
   * @param resource the generic resource whose conversion failed, read for the offending value
   * @param failure what the conversion threw (a Jackson exception, possibly wrapped)
   * @return an {@link InvalidClusterObjectException} naming the field when the failure has a path
   *     into the object, else {@code failure} itself
   */
  static RuntimeException failure(
      String object, GenericKubernetesResource resource, RuntimeException failure) {
    JacksonException jackson = jacksonCause(failure);
    if (jackson == null || jackson.getPath().isEmpty()) {
      return failure;
    }
    StringBuilder field = new StringBuilder();
    Object value = resource.getAdditionalProperties();
    for (JacksonException.Reference ref : jackson.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!field.isEmpty()) {
          field.append('.');
        }
        field.append(ref.getPropertyName());
        value = value instanceof Map<?, ?> m ? m.get(ref.getPropertyName()) : null;
      } else if (ref.getIndex() >= 0) {
        field.append('[').append(ref.getIndex()).append(']');
        value =
            value instanceof List<?> l && ref.getIndex() < l.size() ? l.get(ref.getIndex()) : null;
      }
    }
    String expected = expected(jackson);
    if (expected == null) {
      return new InvalidClusterObjectException(object, field + ": " + jackson.getOriginalMessage());
    }
    return new InvalidClusterObjectException(
        object, field + ": expected " + expected + ", found " + shape(value));
  }

  private static JacksonException jacksonCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof JacksonException j) {
        return j;
      }
    }
    return null;
  }

  private static String expected(JacksonException e) {
    if (!(e instanceof MismatchedInputException m) || m.getTargetType() == null) {
      return null;
    }
    Class<?> type = m.getTargetType();
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (type == String.class) {
      return "a string";
    }
    return "a mapping";
  }

  private static String shape(Object value) {
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    if (value == null) {
      return "null";
    }
    return "'" + KubernetesObjects.abbreviate(String.valueOf(value)) + "'";
  }
}
