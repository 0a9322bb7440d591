package io.egressaudit.server.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.egressaudit.correlator.Attribution;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.StoredHit;
import java.time.Instant;
import java.util.List;

/**
 * A hit as {@code hits -o json|jsonl} and {@code GET /api/v1/hits} show it: the recorded fields and
 * its attribution (the whois matches at {@code receivedAt}).
 *
 * @param id row id, increasing
 * @param receivedAt when the request arrived, RFC 3339 UTC
 * @param sourceIp the canonical IP attribution uses: the TCP peer's, or the client a trusted proxy
 *     named (PROXY protocol header or forwarded-for header)
 * @param sourcePort the port of the TCP peer, or of the client a trusted proxy's PROXY header
 *     named; null for imported log lines
 * @param localPort the listener's port; null for imported log lines
 * @param method HTTP method
 * @param path request target
 * @param host Host header
 * @param userAgent User-Agent header
 * @param probeId the id of {@code /probe/{id}}, or null
 * @param forwardedFor forwarded-for header as sent, after the source an untrusted peer's PROXY
 *     header named ({@code PROXY 10.0.0.1:4242 | ...}): an untrusted claim, never used for
 *     attribution
 * @param httpVersion such as {@code HTTP/1.1}
 * @param origin null for the listener; the imported access log otherwise
 * @param originLine line within {@code origin}
 * @param peerIp the trusted proxy (the TCP peer) the request came through, when {@code sourceIp}
 *     was taken from its PROXY header or forwarded-for header; null otherwise
 * @param attribution never empty
 *     <p>Every field is present, null when unknown, so consumers can rely on the keys.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record HitView(
    long id,
    Instant receivedAt,
    String sourceIp,
    Integer sourcePort,
    Integer localPort,
    String method,
    String path,
    String host,
    String userAgent,
    String probeId,
    String forwardedFor,
    String httpVersion,
    String origin,
    Integer originLine,
    String peerIp,
    List<Attribution> attribution) {

  /** Combines a stored hit with its attribution. */
  public static HitView of(StoredHit stored, List<Attribution> attribution) {
    HitRecord h = stored.hit();
    return new HitView(
        stored.id(),
        Instant.ofEpochMilli(h.receivedAtMillis()),
        h.sourceIp(),
        h.sourcePort(),
        h.localPort(),
        h.method(),
        h.path(),
        h.host(),
        h.userAgent(),
        h.probeId(),
        h.forwardedFor(),
        h.httpVersion(),
        h.origin(),
        h.originLine(),
        h.peerIp(),
        attribution);
  }

  /** This hit with another attribution (the same matches marked, say). */
  public HitView withAttribution(List<Attribution> matches) {
    return new HitView(
        id,
        receivedAt,
        sourceIp,
        sourcePort,
        localPort,
        method,
        path,
        host,
        userAgent,
        probeId,
        forwardedFor,
        httpVersion,
        origin,
        originLine,
        peerIp,
        matches);
  }
}
