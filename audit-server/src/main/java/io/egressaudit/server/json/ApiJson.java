package io.egressaudit.server.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
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

  /** Indented like kubectl's JSON: {@code "key": value}, one array element per line. */
  private static final DefaultPrettyPrinter PRETTY = prettyPrinter();

  private ApiJson() {}

  private static DefaultPrettyPrinter prettyPrinter() {
    DefaultPrettyPrinter p =
        new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""));
    p.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    return p;
  }

  /** Writes a value as compact JSON. */
  public static String write(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  /** Writes a value as indented JSON, as {@code -o json} prints it. */
  public static String writePretty(Object value) {
    return MAPPER.writer().with(PRETTY).writeValueAsString(value);
  }
}
