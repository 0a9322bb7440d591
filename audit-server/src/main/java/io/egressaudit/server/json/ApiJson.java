package io.egressaudit.server.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.egressaudit.correlator.Attribution;
import java.util.IdentityHashMap;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The one JSON mapper for what egress-audit prints and serves (Jackson 3). Enums are written with
 * their {@code toString()} (the wire names such as {@code egress-ip}), times as RFC 3339 UTC, null
 * fields left out (but for the documented fields of a match, written even when null).
 */
public final class ApiJson {

  /** The shared mapper; thread-safe. */
  public static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .changeDefaultPropertyInclusion(
              incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
          .addMixIn(Attribution.class, MatchFields.class)
          .build();

  /**
   * The fields every match of {@code whois} and of a hit's {@code attribution} carries, whatever
   * its kind, as the design's whois answer shows them: {@code cluster}, {@code egressIP}, {@code
   * node} and {@code since} are written as null when a kind has none (a {@code node} match names no
   * EgressIP; an {@code unknown} match no cluster), so a reader finds every documented key in every
   * match. {@code kind}, {@code namespaces} and {@code pods} are never null.
   */
  private abstract static class MatchFields {
    @JsonInclude(JsonInclude.Include.ALWAYS)
    abstract String cluster();

    @JsonInclude(JsonInclude.Include.ALWAYS)
    abstract String egressIP();

    @JsonInclude(JsonInclude.Include.ALWAYS)
    abstract String node();

    @JsonInclude(JsonInclude.Include.ALWAYS)
    abstract java.time.Instant since();
  }

  /**
   * The mapper of compact JSON (the API, {@code -o jsonl}): as {@link #MAPPER}, but each match of
   * an attribution is written once per call and repeated as written. A page of hits repeats the
   * same few hundred matches (neighbouring hits of one source IP share their answer, the very same
   * {@link Attribution} objects), each up to a few KB (a node match names every candidate
   * namespace), so a page of 1,000 hits writes each of them two or three times over otherwise.
   */
  private static final JsonMapper COMPACT =
      MAPPER
          .rebuild()
          .addModule(
              new SimpleModule("attribution-once")
                  .addSerializer(Attribution.class, new MatchOnce()))
          .build();

  /**
   * Writes an attribution as {@link #MAPPER} does, remembering what it wrote for that very object
   * (by identity) for the rest of the call in the mapper's per-call attributes, and across calls
   * the JSON of the last {@value #MAX_RECENT} distinct matches (by value).
   */
  private static final class MatchOnce extends ValueSerializer<Attribution> {
    @Override
    public void serialize(Attribution match, JsonGenerator gen, SerializationContext ctxt) {
      @SuppressWarnings("unchecked")
      Map<Attribution, SerializableString> written =
          (Map<Attribution, SerializableString>) ctxt.getAttribute(MatchOnce.class);
      if (written == null) {
        written = new IdentityHashMap<>();
        ctxt.setAttribute(MatchOnce.class, written);
      }
      SerializableString json = written.get(match);
      if (json == null) {
        json = RECENT.get(match);
        if (json == null) {
          json = new SerializedString(MAPPER.writeValueAsString(match));
          if (RECENT.size() >= MAX_RECENT) {
            RECENT.clear();
          }
          RECENT.put(match, json);
        }
        written.put(match, json);
      }
      gen.writeRawValue(json);
    }
  }

  /**
   * Most matches whose JSON is kept across calls. A node match of a crowded node is a few KB (every
   * candidate namespace), and pages of hits in time order repeat the same matches from one call to
   * the next (an egress IP's for hours; within a call each match is written once anyway). Few: at
   * 2,048, whois of random past times (each match new) kept each for about a second, long enough
   * for the collector to copy and mark them, which doubled that whois's p99 through the API.
   */
  private static final int MAX_RECENT = 256;

  /** JSON of matches written lately, by value: equal matches are written alike. */
  private static final Map<Attribution, SerializableString> RECENT =
      new java.util.concurrent.ConcurrentHashMap<>();

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
    return COMPACT.writeValueAsString(value);
  }

  /**
   * Writes a value as compact JSON, UTF-8 encoded, to a stream (an HTTP body).
   *
   * @param out where the bytes go; not closed
   * @param value the value
   * @throws tools.jackson.core.JacksonException when the stream refuses the bytes
   */
  public static void writeTo(java.io.OutputStream out, Object value) {
    COMPACT.writeValue(out, value);
  }

  /** Writes a value as indented JSON, as {@code -o json} prints it. */
  public static String writePretty(Object value) {
    return MAPPER.writer().with(PRETTY).writeValueAsString(value);
  }
}
