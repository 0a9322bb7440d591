package io.egressaudit.probes;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.correlator.probe.ObservedSource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks the audit server's API, as the probe runner reaches it ({@code --api}), which source IPs a
 * probe arrived from and whose they are.
 *
 * <ul>
 *   <li>{@code GET /api/v1/probes/{id}}: {@code {"probeId": id, "hits": [hit, ...]}}, each hit with
 *       {@code sourceIp}, {@code receivedAt} and {@code attribution} (the whois matches at {@code
 *       receivedAt});
 *   <li>{@code GET /api/v1/whois/{ip}}: {@code {"ip", "at", "matches": [...]}}.
 * </ul>
 *
 * With a token, every request carries {@code Authorization: Bearer TOKEN}. Thread-safe.
 */
public final class AuditApiClient implements ProbeArrivals {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI base;
  private final String token;
  private final Duration timeout;
  private final Duration connectTimeout;
  private final HttpClient http;

  /**
   * The most a connection may take: the runner and the audit server are on one network, and an
   * address that drops packets should be told after seconds, not after the request timeout.
   */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * @param base the API's base URL, such as {@code http://127.0.0.1:9090}; a path prefix is kept
   * @param token the bearer token, or null when the API needs none
   * @param timeout request timeout of each call; connecting takes at most this and at most {@link
   *     #CONNECT_TIMEOUT}
   */
  public AuditApiClient(URI base, String token, Duration timeout) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.token = token;
    this.timeout = timeout;
    this.connectTimeout = timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT;
    this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
  }

  /** The base URL. */
  public URI base() {
    return base;
  }

  /**
   * Checks that the API answers and accepts the token, by asking for a probe id no one sent; the
   * whole check takes at most {@link #CONNECT_TIMEOUT} (or the request timeout, when shorter), so
   * an API that accepts connections but never answers is told at once too.
   *
   * @throws AuditApiException when it does not
   */
  public void check() {
    probeHits("egress-audit-reachability-check", connectTimeout);
  }

  /**
   * The hits recorded for a probe id, oldest first.
   *
   * @param probeId the id of {@code /probe/{id}}
   * @return the hits; empty when none arrived
   * @throws AuditApiException when the API cannot answer
   */
  public List<ProbeHit> probeHits(String probeId) {
    return probeHits(probeId, timeout);
  }

  private List<ProbeHit> probeHits(String probeId, Duration within) {
    JsonNode body = getJson("/api/v1/probes/" + encode(probeId), within);
    JsonNode hits = body.get("hits");
    if (hits == null || !hits.isArray()) {
      throw new AuditApiException(
          base + "/api/v1/probes/" + probeId + ": answer has no hits list", false, null);
    }
    List<ProbeHit> out = new ArrayList<>();
    for (JsonNode h : hits) {
      out.add(
          new ProbeHit(
              text(h, "sourceIp"),
              h.hasNonNull("receivedAt") ? Instant.parse(h.get("receivedAt").asString()) : null,
              attributions(h.get("attribution"))));
    }
    out.sort(
        java.util.Comparator.comparing(
            ProbeHit::receivedAt,
            java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())));
    return out;
  }

  /**
   * The source IPs a probe arrived from, each with its count and the owner of its first hit.
   *
   * @param probeId the probe id
   * @return one entry per source IP, in order of first arrival; empty when none arrived
   * @throws AuditApiException when the API cannot answer
   */
  @Override
  public List<ObservedSource> observed(String probeId) {
    Map<String, List<ProbeHit>> byIp = new LinkedHashMap<>();
    for (ProbeHit h : probeHits(probeId)) {
      byIp.computeIfAbsent(h.sourceIp(), k -> new ArrayList<>()).add(h);
    }
    List<ObservedSource> out = new ArrayList<>();
    byIp.forEach(
        (ip, hits) -> out.add(new ObservedSource(ip, hits.size(), hits.get(0).attribution())));
    return out;
  }

  /**
   * Whose a source IP is now.
   *
   * @param ip the IP
   * @return the audit server's attribution
   * @throws AuditApiException when the API cannot answer
   */
  public WhoisResult whois(String ip) {
    JsonNode body = getJson("/api/v1/whois/" + encode(ip), timeout);
    return new WhoisResult(
        text(body, "ip"),
        body.hasNonNull("at") ? Instant.parse(body.get("at").asString()) : null,
        attributions(body.get("matches")));
  }

  /**
   * One hit of a probe.
   *
   * @param sourceIp the canonical source IP
   * @param receivedAt when it arrived
   * @param attribution whose the IP was then
   */
  public record ProbeHit(String sourceIp, Instant receivedAt, List<Attribution> attribution) {

    /** Copies the list. */
    public ProbeHit {
      attribution = List.copyOf(attribution);
    }
  }

  private JsonNode getJson(String path, Duration within) {
    URI uri = URI.create(base + path);
    HttpRequest.Builder req =
        HttpRequest.newBuilder(uri).timeout(within).header("Accept", "application/json").GET();
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> resp;
    try {
      try {
        resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        if (e instanceof HttpTimeoutException || e instanceof ConnectException) {
          throw e;
        }
        // A kept-alive connection the API closed (its idle or request timeout) just as it was
        // reused fails before any answer; a GET is safe to send again, on a new connection.
        resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new AuditApiException(
          "cannot reach the audit server API at " + base + ": " + describe(e, within), true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AuditApiException("interrupted while asking " + uri, false, e);
    }
    int status = resp.statusCode();
    if (status == 401 || status == 403) {
      throw new AuditApiException(
          "the audit server API at "
              + base
              + " answered "
              + status
              + (token == null
                  ? ": it needs a bearer token (--api-token-file)"
                  : ": it refused the bearer token of --api-token-file"),
          true,
          null);
    }
    if (status != 200) {
      throw new AuditApiException(
          "GET " + uri + " answered " + status + ": " + abbreviate(resp.body()), false, null);
    }
    try {
      return JSON.readTree(resp.body());
    } catch (JacksonException e) {
      throw new AuditApiException(
          "GET " + uri + " answered something that is not JSON: " + abbreviate(resp.body()),
          false,
          e);
    }
  }

  /**
   * {@code connection refused}, {@code connect timed out after 5s}, {@code no answer within 10s},
   * else the exception's class and message.
   */
  private String describe(IOException e, Duration within) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out after " + seconds(connectTimeout);
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer within " + seconds(within);
    }
    if (e instanceof ConnectException && refused(e)) {
      return "connection refused";
    }
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName();
    return m == null || m.isBlank() ? kind : kind + " " + m;
  }

  /**
   * JDK 17's HttpClient reports a refused connection as a ConnectException without a message (its
   * cause a ClosedChannelException, also without one); other JDKs and socket layers say "Connection
   * refused". A message that says anything else is kept as it is.
   */
  private static boolean refused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        return m.toLowerCase(Locale.ROOT).contains("refused");
      }
    }
    return true;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }

  private static List<String> strings(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    v.forEach(x -> out.add(x.asString()));
    return out;
  }

  /** Reads the API's attribution matches into the correlator's model. */
  static List<Attribution> attributions(JsonNode matches) {
    List<Attribution> out = new ArrayList<>();
    if (matches == null || !matches.isArray()) {
      return out;
    }
    for (JsonNode m : matches) {
      List<PodRef> pods = new ArrayList<>();
      JsonNode p = m.get("pods");
      if (p != null && p.isArray()) {
        p.forEach(x -> pods.add(new PodRef(text(x, "namespace"), text(x, "name"))));
      }
      AttributionKind kind;
      try {
        kind = AttributionKind.fromWireName(text(m, "kind"));
      } catch (IllegalArgumentException e) {
        kind = AttributionKind.UNKNOWN;
      }
      out.add(
          Attribution.builder(kind)
              .cluster(text(m, "cluster"))
              .egressIP(text(m, "egressIP"))
              .node(text(m, "node"))
              .namespaces(strings(m, "namespaces"))
              .pods(pods)
              .since(m.hasNonNull("since") ? Instant.parse(m.get("since").asString()) : null)
              .assignedIPs(strings(m, "assignedIPs"))
              .ambiguous(m.hasNonNull("ambiguous") ? m.get("ambiguous").asBoolean() : null)
              .leakSuspects(strings(m, "leakSuspects"))
              .note(text(m, "note"))
              .build());
    }
    return out;
  }

  private static String abbreviate(String s) {
    String one = s == null ? "" : s.strip().replaceAll("\\s+", " ");
    return one.length() <= 200 ? one : one.substring(0, 197) + "...";
  }
}
