package io.egressaudit.server.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper for what egress-audit prints and serves (Jackson 3). Enums are written with
 * their {@code toString()} (the wire names such as {@code egress-ip}), times as RFC 3339 UTC, null
 * fields left out.
 */
public final class ApiJson {

  /** The shared mapper; thread-safe. */
  public static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .changeDefaultPropertyInclusion(
              incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
          .build();

  private ApiJson() {}

  /** Writes a value as compact JSON. */
  public static String write(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  /** Writes a value as indented JSON, as {@code -o json} prints it. */
  public static String writePretty(Object value) {
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
  }
}
