package io.egressaudit.server.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code --cluster NAME}: an empty or blank name is wrong usage, not a cluster of its own
 * (history recorded under {@code ""} would be found by nothing else, and a filter on it answers
 * nothing).
 */
final class ClusterNameConverter implements ITypeConverter<String> {

  @Override
  public String convert(String value) {
    if (value == null || value.isBlank()) {
      throw new TypeConversionException("the cluster name is empty");
    }
    return value;
  }
}
