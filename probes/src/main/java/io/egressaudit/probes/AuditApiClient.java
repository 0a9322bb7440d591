package io.egressaudit.probes;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.correlator.probe.ObservedSource;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
  private final HttpClient http;

  /**
   * @param base the API's base URL, such as {@code http://127.0.0.1:9090}; a path prefix is kept
   * @param token the bearer token, or null when the API needs none
   * @param timeout connect and request timeout of each call
   */
  public AuditApiClient(URI base, String token, Duration timeout) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** The base URL. */
  public URI base() {
    return base;
  }

  /**
   * Checks that the API answers and accepts the token, by asking for a probe id no one sent.
   *
   * @throws AuditApiException when it does not
   */
  public void check() {
    probeHits("egress-audit-reachability-check");
  }

  /**
   * The hits recorded for a probe id, oldest first.
   *
   * @param probeId the id of {@code /probe/{id}}
   * @return the hits; empty when none arrived
   * @throws AuditApiException when the API cannot answer
   */
  public List<ProbeHit> probeHits(String probeId) {
    JsonNode body = getJson("/api/v1/probes/" + encode(probeId));
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
    JsonNode body = getJson("/api/v1/whois/" + encode(ip));
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

  private JsonNode getJson(String path) {
    URI uri = URI.create(base + path);
    HttpRequest.Builder req =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET();
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AuditApiException(
          "cannot reach the audit server API at " + base + ": " + describe(e), true, e);
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

  private static String describe(IOException e) {
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName();
    return m == null || m.isBlank() ? kind : kind + " " + m;
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
