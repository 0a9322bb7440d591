package io.egressaudit.server.http;

import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.server.AuditMetrics;
import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.AuditQueries.HitFilter;
import io.egressaudit.server.ClusterSources;
import io.egressaudit.server.SourceIpPrefix;
import io.egressaudit.server.TimeArg;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.server.json.LastHitView;
import io.egressaudit.server.json.SourceView;
import io.egressaudit.sql.DatabaseException;
import io.egressaudit.sql.HitWriter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API and web page: {@code GET /api/v1/whois/{ip}}, {@code /api/v1/hits}, {@code
 * /api/v1/probes/{id}}, {@code /api/v1/clusters}, {@code /api/v1/anomalies}, {@code
 * /api/v1/namespaces/{ns}/sources}, {@code /api/v1/sources}, {@code /api/v1/ips/{ip}/timeline},
 * {@code /healthz}, {@code /readyz}, {@code /metrics} and the web page ({@link WebPage}: {@code /},
 * {@code /app.js}, {@code /app.css}). Database reads run on a named worker pool, never on the event
 * loop. Every error is {@code application/problem+json}. Connections are held to the {@link
 * ApiLimits}: idle and request timeouts ({@link ApiConnections}) and a cap ({@link ConnectionCap}).
 */
public final class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  /**
   * Readers per API listener: SQLite in WAL mode serves concurrent readers, and the bastion's API
   * sees a handful of people and jobs, so four keep a slow query from blocking the rest without
   * starving the hit writer of disk.
   */
  private static final int DB_READERS = 4;

  private final String host;
  private final int port;
  private final AuditQueries queries;
  private final HitWriter writer;
  private final String bearerToken;
  private final AuditMetrics metrics;
  private final ApiTls tls;
  private final ApiLimits limits;
  private final ConnectionCap cap;
  private final ClusterSources sources;
  private ApiConnections connections;
  private HttpServer server;
  private WorkerExecutor readers;
  private WebPage page;

  /**
   * @param host address to bind, normally {@code 127.0.0.1}
   * @param port port to bind, 0 for a free one
   * @param queries the answers
   * @param writer the hit writer, whose state {@code /healthz} reports; may be null
   * @param bearerToken when not null, {@code /api/} and {@code /metrics} requests need {@code
   *     Authorization: Bearer} with it
   * @param metrics what {@code /metrics} serves; null answers 404
   * @param tls the certificate to serve HTTPS with, or null for plain HTTP
   * @param limits timeouts and the connection cap
   * @param cap the cap on the connections accepted, applied by the Vert.x instance's transport
   *     ({@link CappedTransport}); its refusals are logged here; null when there is none
   * @param sources the cluster sources whose state {@code /readyz}, {@code /healthz} and {@code GET
   *     /api/v1/clusters} report; null when there are none to report
   */
  public ApiVerticle(
      String host,
      int port,
      AuditQueries queries,
      HitWriter writer,
      String bearerToken,
      AuditMetrics metrics,
      ApiTls tls,
      ApiLimits limits,
      ConnectionCap cap,
      ClusterSources sources) {
    this.sources = sources;
    this.host = host;
    this.port = port;
    this.queries = queries;
    this.writer = writer;
    this.bearerToken = bearerToken;
    this.metrics = metrics;
    this.tls = tls;
    this.limits = limits;
    this.cap = cap;
  }

  @Override
  public Future<?> start() {
    readers = vertx.createSharedWorkerExecutor("api-db-readers", DB_READERS);
    page = WebPage.load();
    connections = new ApiConnections(vertx, limits, cap);
    connections.start();
    Router router = router();
    HttpServerOptions options = options();
    server =
        vertx
            .createHttpServer(options)
            .connectionHandler(
                connection -> {
                  // the hit listener's decoder: a version other than HTTP/1.x fails as the
                  // invalid request it is, answered in HTTP/1.1 by invalidRequest
                  HitRequestDecoder.install(connection, options);
                  connections.opened(connection);
                })
            .invalidRequestHandler(request -> invalidRequest(request, options))
            .requestHandler(
                request -> {
                  if (request.version() == HttpVersion.HTTP_1_1
                      || request.version() == HttpVersion.HTTP_1_0) {
                    router.handle(request);
                  } else {
                    refuseVersion(request);
                  }
                });
    return server.listen();
  }

  /**
   * A request line of another HTTP version: h2c is off, so HTTP/2's prior-knowledge preface {@code
   * PRI * HTTP/2.0} arrives here as an HTTP/1 request. Answered 505 in HTTP/1.1 and the connection
   * closed (the client's HTTP/2 frames follow); logged at debug, since any client can send it.
   */
  private static void refuseVersion(HttpServerRequest request) {
    LOG.debug(
        "API: {} from {}: HTTP version not supported",
        request.method(),
        request.connection().remoteAddress());
    request
        .response()
        .setStatusCode(505)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(
            ApiJson.write(
                new Problem(
                    Problem.TYPE_BASE + "http-version",
                    "HTTP version not supported",
                    505,
                    "the API speaks HTTP/1.0 and HTTP/1.1 only",
                    request.path())))
        .onComplete(done -> request.connection().close());
  }

  /**
   * A request Vert.x's decoder could not read, before any route sees it: 414 (request line over
   * {@link HttpServerOptions#getMaxInitialLineLength()}), 431 (headers over {@link
   * HttpServerOptions#getMaxHeaderSize()}), 505 (not HTTP/1.x, such as the HTTP/2 preface) or 400
   * (HTTP/0.9, bad framing), each as {@code application/problem+json} in HTTP/1.1 with {@code
   * Connection: close}; then the connection is closed ({@link WireClose}: the rest of the request
   * is never read).
   */
  private static void invalidRequest(HttpServerRequest request, HttpServerOptions options) {
    Throwable cause = request.decoderResult().cause();
    Problem p;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      p =
          invalid(
              414,
              "uri-too-long",
              "URI too long",
              "the request line is longer than " + options.getMaxInitialLineLength() + " bytes");
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      p =
          invalid(
              431,
              "headers-too-large",
              "Request header fields too large",
              "the request's header fields are larger than "
                  + options.getMaxHeaderSize()
                  + " bytes");
    } else if (cause instanceof HitRequestDecoder.UnsupportedVersion) {
      p =
          invalid(
              505,
              "http-version",
              "HTTP version not supported",
              "the API speaks HTTP/1.0 and HTTP/1.1 only");
    } else {
      p =
          invalid(
              400,
              "bad-request",
              "Bad request",
              "not an HTTP/1.x request: " + (cause == null ? "unreadable" : cause.getMessage()));
    }
    LOG.debug("API: {} to {}: {}", p.status(), request.connection().remoteAddress(), p.detail());
    HttpConnection connection = request.connection();
    request
        .response()
        .setStatusCode(p.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(ApiJson.write(p))
        .onComplete(done -> WireClose.close(connection));
  }

  private static Problem invalid(int status, String type, String title, String detail) {
    return new Problem(Problem.TYPE_BASE + type, title, status, detail, null);
  }

  private HttpServerOptions options() {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setIdleTimeout(limits.idleTimeoutSeconds())
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setSslHandshakeTimeout(limits.requestTimeoutSeconds())
            .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
            // no h2c: its detection waits for the first bytes before the connection handler runs,
            // so a connection that sends nothing would escape the request timeout
            .setHttp2ClearTextEnabled(false);
    if (tls != null) {
      options
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(tls.certificate().toString())
                  .setKeyPath(tls.key().toString()));
    }
    return options;
  }

  /** The bound port, once started. */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(this::timed);
    router.route().handler(ApiVerticle::wellFormedQuery);
    router.route("/api/*").handler(this::authorize);
    router.route("/metrics").handler(this::authorize);
    get(router, "/api/v1/whois/:ip").handler(this::whois);
    get(router, "/api/v1/hits").handler(this::hits);
    get(router, "/api/v1/probes/:id").handler(this::probe);
    get(router, "/api/v1/namespaces/:namespace/sources").handler(this::sources);
    get(router, "/api/v1/sources").handler(this::allSources);
    get(router, "/api/v1/ips/:ip/timeline").handler(this::timeline);
    get(router, "/healthz").handler(this::health);
    get(router, "/readyz").handler(this::ready);
    get(router, "/api/v1/clusters").handler(this::clusters);
    get(router, "/api/v1/anomalies").handler(this::anomalies);
    get(router, "/metrics").handler(this::metrics);
    page.routes(router);
    router.route().last().handler(ctx -> noRoute(ctx, router));
    router.route().failureHandler(this::problem);
    return router;
  }

  /**
   * A route answering GET, and HEAD as GET without the body (RFC 9110 section 9.3.2): Vert.x writes
   * a HEAD answer's headers, {@code Content-Length} included, and drops its body.
   */
  private static io.vertx.ext.web.Route get(Router router, String path) {
    return router
        .route(path)
        .method(io.vertx.core.http.HttpMethod.GET)
        .method(io.vertx.core.http.HttpMethod.HEAD);
  }

  /**
   * Refuses a query string that is not valid percent-encoding ({@code %ZZ}, a lone {@code %}) with
   * a 400 saying so, before any route reads a parameter.
   */
  private static void wellFormedQuery(RoutingContext ctx) {
    String query = ctx.request().query();
    if (query != null) {
      try {
        java.net.URLDecoder.decode(query, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        ctx.fail(
            ApiException.badRequest(
                "the query string is not valid percent-encoding (RFC 3986 section 2.1): "
                    + cut(query)));
        return;
      }
    }
    ctx.next();
  }

  /**
   * A request no route took: 405 with an {@code Allow} header when a route serves its path with
   * other methods (RFC 9110 section 15.5.6), else 404.
   */
  private static void noRoute(RoutingContext ctx, Router router) {
    String path = ctx.normalizedPath();
    java.util.TreeSet<String> allowed = new java.util.TreeSet<>();
    for (io.vertx.ext.web.Route r : router.getRoutes()) {
      if (r.methods() != null
          && !r.methods().isEmpty()
          && r.isExactPath()
          && r.getPath() != null
          && template(r.getPath()).matcher(path).matches()) {
        r.methods().forEach(m -> allowed.add(m.name()));
      }
    }
    String request = ctx.request().method() + " " + ctx.request().path();
    if (allowed.isEmpty()) {
      ctx.fail(new ApiException(404, "not-found", "Not found", "no route for " + request));
      return;
    }
    String allow = String.join(", ", allowed);
    ctx.response().putHeader(HttpHeaders.ALLOW, allow);
    ctx.fail(
        new ApiException(
            405,
            "method-not-allowed",
            "Method not allowed",
            request + ": " + ctx.request().path() + " answers " + allow + " only"));
  }

  /** A route's path as a pattern: each {@code :name} segment matches one path segment. */
  private static java.util.regex.Pattern template(String path) {
    java.util.StringJoiner regex = new java.util.StringJoiner("/");
    for (String segment : path.split("/", -1)) {
      regex.add(segment.startsWith(":") ? "[^/]+" : java.util.regex.Pattern.quote(segment));
    }
    return java.util.regex.Pattern.compile(regex.toString());
  }

  /** Lifts the request timeout while a request is answered; the next request gets it again. */
  private void timed(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    connections.requestStarted(connection);
    ctx.addEndHandler(v -> connections.answered(connection));
    ctx.next();
  }

  private void authorize(RoutingContext ctx) {
    if (bearerToken == null) {
      ctx.next();
      return;
    }
    String token = bearerCredentials(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    if (token != null
        && MessageDigest.isEqual(
            token.getBytes(StandardCharsets.UTF_8), bearerToken.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"egress-audit\"");
      ctx.fail(
          new ApiException(
              401, "unauthorized", "Unauthorized", "this API needs Authorization: Bearer <token>"));
    }
  }

  /** Query parameters each route reads; any other is refused, so a typo never widens an answer. */
  private static final java.util.Set<String> WHOIS_PARAMS = java.util.Set.of("at", "cluster");

  private static final java.util.Set<String> SOURCES_PARAMS =
      java.util.Set.of("at", "cluster", "since");

  private static final java.util.Set<String> ANOMALY_PARAMS =
      java.util.Set.of("at", "cluster", "since", "until");

  private static final java.util.Set<String> TIMELINE_PARAMS = java.util.Set.of("since", "cluster");

  private static final java.util.Set<String> HIT_PARAMS =
      java.util.Set.of(
          "since",
          "until",
          "ip",
          "namespace",
          "probe",
          "cluster",
          "after",
          "limit",
          "order",
          "egressip",
          "node",
          "kind",
          "leaks");

  /**
   * Refuses a query parameter the route does not read, one given more than once ({@code
   * limit=1&limit=2}: which one was meant?), and an empty time ({@code since=}), each a 400 naming
   * the parameter.
   */
  private static void onlyParams(RoutingContext ctx, java.util.Set<String> known) {
    io.vertx.core.MultiMap params = ctx.queryParams();
    java.util.TreeSet<String> unknown = new java.util.TreeSet<>(params.names());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw ApiException.badRequest(
          "unknown query parameter"
              + (unknown.size() > 1 ? "s " : " ")
              + String.join(", ", unknown)
              + (known.isEmpty()
                  ? "; " + ctx.request().path() + " takes no parameters"
                  : "; known: " + String.join(", ", new java.util.TreeSet<>(known))));
    }
    for (String name : new java.util.TreeSet<>(params.names())) {
      int n = params.getAll(name).size();
      if (n > 1) {
        throw ApiException.badRequest(name + ": given " + n + " times; give it once");
      }
      if (TIME_PARAMS.contains(name) && params.get(name).isEmpty()) {
        throw ApiException.badRequest(
            name
                + ": empty; give a time (RFC 3339, epoch seconds, or an age like 30m) or leave "
                + name
                + " out");
      }
    }
  }

  /** The parameters that take a time; empty, they are refused rather than taken as absent. */
  private static final java.util.Set<String> TIME_PARAMS = java.util.Set.of("at", "since", "until");

  /**
   * The credentials of an {@code Authorization: Bearer <token>} header; the scheme name is
   * case-insensitive (RFC 9110 section 11.1), so {@code bearer} and {@code BEARER} are taken too.
   *
   * @return the token, or null when the header is absent or of another scheme
   */
  static String bearerCredentials(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    int sp = h.indexOf(' ');
    if (sp < 0 || !h.substring(0, sp).equalsIgnoreCase("Bearer")) {
      return null;
    }
    String token = h.substring(sp + 1).strip();
    return token.isEmpty() ? null : token;
  }

  /**
   * A value as compact JSON in a buffer of exactly its size, which becomes the response body as it
   * is. Jackson writes into this thread's scratch array, kept from one response to the next, and
   * the bytes are copied once; Jackson's {@code writeValueAsBytes} built them in blocks, joined
   * them into an array, and {@code Buffer.buffer(byte[])} copied that into the buffer: three copies
   * of a 4 KB whois answer per request, most of what a whois of now allocated.
   */
  static Buffer jsonBody(Object value) {
    Scratch scratch = SCRATCH.get();
    scratch.reset();
    ApiJson.writeTo(scratch, value);
    Buffer body = Buffer.buffer(scratch.size());
    body.appendBytes(scratch.bytes(), 0, scratch.size());
    if (scratch.bytes().length > SCRATCH_KEPT) {
      SCRATCH.remove(); // a page of hits: not kept for the whois answers that follow
    }
    return body;
  }

  /** Largest scratch array a thread keeps, in bytes. */
  private static final int SCRATCH_KEPT = 64 * 1024;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** A byte array stream whose array can be read without a copy. */
  private static final class Scratch extends java.io.ByteArrayOutputStream {
    Scratch() {
      super(8192);
    }

    byte[] bytes() {
      return buf;
    }
  }

  private void whois(RoutingContext ctx) {
    onlyParams(ctx, WHOIS_PARAMS);
    String ip = ctx.pathParam("ip");
    oneIp(ip);
    Instant at = time(ctx, "at");
    String cluster = ctx.queryParams().get("cluster");
    if (at == null) {
      // an IP asked about again: its answer is known, so it is a lookup and a few hundred bytes
      // of JSON (the matches' JSON is kept too), cheaper here than two hand-overs to a reader
      WhoisResult known = queries.whoisNowIfKnown(ip, cluster);
      if (known != null) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(jsonBody(known));
        return;
      }
    }
    blocking(ctx, () -> queries.whois(ip, at, cluster));
  }

  /**
   * The anomalies at a time ({@code at}, default now), or every one that held over a period ({@code
   * since}, {@code until}), read as {@code hits} reads them.
   */
  private void anomalies(RoutingContext ctx) {
    onlyParams(ctx, ANOMALY_PARAMS);
    Instant at = time(ctx, "at");
    Instant since = time(ctx, "since");
    Instant until = time(ctx, "until");
    String cluster = ctx.queryParams().get("cluster");
    if (at != null && (since != null || until != null)) {
      throw ApiException.badRequest("at cannot be used with since or until");
    }
    if (since != null && until != null && since.isAfter(until)) {
      throw ApiException.badRequest("since (" + since + ") is after until (" + until + ")");
    }
    if (since != null || until != null) {
      blocking(ctx, () -> queries.anomaliesOver(since, until, cluster));
    } else {
      blocking(ctx, () -> queries.anomalies(at, cluster));
    }
  }

  /** The sources at a time ({@code at}), or over a period with spans ({@code since}). */
  private void sources(RoutingContext ctx) {
    onlyParams(ctx, SOURCES_PARAMS);
    String namespace = ctx.pathParam("namespace");
    Instant at = time(ctx, "at");
    Instant since = time(ctx, "since");
    String cluster = ctx.queryParams().get("cluster");
    if (since != null && at != null) {
      throw ApiException.badRequest("since and at cannot be used together");
    }
    if (since != null) {
      blocking(ctx, () -> queries.sourceHistory(namespace, since, cluster));
    } else {
      blocking(ctx, () -> queries.sources(namespace, at, cluster));
    }
  }

  /** The sources of every namespace: at a time ({@code at}), or over a period ({@code since}). */
  private void allSources(RoutingContext ctx) {
    onlyParams(ctx, SOURCES_PARAMS);
    Instant at = time(ctx, "at");
    Instant since = time(ctx, "since");
    String cluster = ctx.queryParams().get("cluster");
    if (since != null && at != null) {
      throw ApiException.badRequest("since and at cannot be used together");
    }
    if (since != null) {
      blocking(ctx, () -> queries.allSourceHistory(since, cluster));
    } else {
      blocking(ctx, () -> queries.allSources(at, cluster));
    }
  }

  /** Every owner an IP has had since {@code since} (default: where history starts). */
  private void timeline(RoutingContext ctx) {
    onlyParams(ctx, TIMELINE_PARAMS);
    String ip = ctx.pathParam("ip");
    oneIp(ip);
    Instant since = time(ctx, "since");
    String cluster = ctx.queryParams().get("cluster");
    blocking(ctx, () -> queries.ipTimeline(ip, since, cluster));
  }

  private void hits(RoutingContext ctx) {
    HitFilter filter = filter(ctx, null);
    blocking(ctx, () -> Map.of("hits", queries.hits(filter)));
  }

  private void probe(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    HitFilter filter = filter(ctx, id);
    blocking(
        ctx,
        () -> {
          // probeId first, as the design writes the answer
          Map<String, Object> answer = new java.util.LinkedHashMap<>();
          answer.put("probeId", id);
          answer.put("hits", queries.hits(filter));
          return answer;
        });
  }

  private HitFilter filter(RoutingContext ctx, String probeId) {
    onlyParams(ctx, HIT_PARAMS);
    var q = ctx.queryParams();
    String ip = sourceIpOrNetwork(q.get("ip"));
    try {
      return new HitFilter(
          time(ctx, "since"),
          time(ctx, "until"),
          ip,
          q.get("namespace"),
          probeId != null ? probeId : q.get("probe"),
          q.get("cluster"),
          integer(q.get("after"), 0, "after", 0, Long.MAX_VALUE),
          (int) integer(q.get("limit"), 100, "limit", 1, AuditQueries.MAX_LIMIT),
          newestFirst(q.get("order")),
          q.get("egressip"),
          q.get("node"),
          kind(q.get("kind")),
          bool(q.get("leaks"), "leaks"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /**
   * The {@code kind} parameter of hits: an attribution kind by its wire name; null when absent or
   * empty.
   *
   * @throws ApiException 400 naming {@code kind} and listing the kinds, as {@code hits --kind} does
   */
  private static AttributionKind kind(String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return AttributionKind.fromWireName(v);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "kind: '" + cut(v) + "' is not a kind (" + AttributionKind.wireNames() + ")");
    }
  }

  /**
   * The {@code ip} parameter of hits: one source IP or a network in CIDR notation, as canonical
   * text; null when absent or empty.
   *
   * @throws ApiException 400 naming {@code ip} when it is neither
   */
  private static String sourceIpOrNetwork(String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    noZone("ip", v);
    try {
      return SourceIpPrefix.isCidr(v)
          ? SourceIpPrefix.parse(v).canonical()
          : io.egressaudit.correlator.SourceIp.canonical(v);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("ip: " + e.getMessage());
    }
  }

  /**
   * Refuses what is not one source IP in the path of whois and timeline, which answer for one IP at
   * a time: an address with a zone ({@link #noZone}), or a network ({@code 10.0.0.1%2F24}), with
   * where the hits of that network are listed, the network named as {@code hits?ip=} takes it
   * ({@code 10.0.0.0/24}, bits past the prefix cleared).
   *
   * @throws ApiException 400 naming {@code ip} for a zone or a wrong CIDR, or pointing to {@code
   *     /api/v1/hits?ip=} for a network
   */
  private static void oneIp(String ip) {
    noZone("ip", ip);
    if (!SourceIpPrefix.isCidr(ip)) {
      return;
    }
    String refusal;
    try {
      refusal = SourceIpPrefix.notOneIp(ip, "/api/v1/hits?ip=%s", "/api/v1/ips/{ip}/timeline");
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("ip: " + e.getMessage());
    }
    throw ApiException.badRequest(refusal);
  }

  /**
   * Refuses an IPv6 address with a zone ({@code fe80::1%eth0}): the zone names an interface of the
   * host that wrote it, and no hit's source IP has one, so dropping it would answer for another
   * address.
   */
  private static void noZone(String name, String ip) {
    if (ip.indexOf('%') >= 0) {
      throw ApiException.badRequest(
          name + ": '" + cut(ip) + "' has a zone (%...): a source IP has none; leave the zone out");
    }
  }

  private void health(RoutingContext ctx) {
    boolean failing = writer != null && writer.failing();
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("status", failing ? "degraded" : "ok");
    if (writer != null) {
      body.put("hitWriter", writer.stats());
    }
    if (sources != null) {
      body.put("sources", sourceViews());
    }
    json(ctx, failing ? 503 : 200, body);
  }

  /** 200 once every cluster source was recorded at least once, else 503; both list the sources. */
  private void ready(RoutingContext ctx) {
    boolean ready = sources == null || sources.ready();
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("status", ready ? "ready" : "syncing");
    body.put("sources", sourceViews());
    json(ctx, ready ? 200 : 503, body);
  }

  private void clusters(RoutingContext ctx) {
    onlyParams(ctx, java.util.Set.of());
    List<SourceView> live = sourceViews();
    blocking(
        ctx,
        () -> {
          Map<String, Object> body = new java.util.LinkedHashMap<>();
          body.put("clusters", queries.clusters(live));
          LastHitView last = queries.lastHit();
          if (last != null) { // absent when no hit was ever recorded
            body.put("lastHit", last);
          }
          return body;
        });
  }

  private List<SourceView> sourceViews() {
    if (sources == null) {
      return List.of();
    }
    Instant now = Instant.now();
    return sources.states().stream().map(s -> SourceView.of(s, now)).toList();
  }

  private void metrics(RoutingContext ctx) {
    if (metrics == null) {
      ctx.fail(new ApiException(404, "not-found", "Not found", "metrics are not enabled"));
      return;
    }
    // counting hits by attribution reads the database: on the readers
    readers
        .executeBlocking(metrics::scrape, false)
        .onSuccess(
            body ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                    .end(body))
        .onFailure(ctx::fail);
  }

  /**
   * Runs a query on the readers and writes its JSON there too: a page of 10,000 attributed hits
   * takes long enough to serialize that the event loop must not. Written as UTF-8 bytes there, so
   * the loop does not encode a body of megabytes either.
   */
  private <T> void blocking(RoutingContext ctx, Callable<T> work) {
    readers
        .executeBlocking(() -> jsonBody(work.call()), false)
        .onSuccess(
            body ->
                ctx.response()
                    .setStatusCode(200)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(body))
        .onFailure(ctx::fail);
  }

  /**
   * Writes a small body of fixed shape on the event loop: only {@code /healthz} (a few counters)
   * uses it; answers that grow with the data go through {@link #blocking} (but for a whois already
   * known, whose matches list at most {@link io.egressaudit.correlator.Attribution#MAX_PODS} pods).
   */
  private static void json(RoutingContext ctx, int status, Object body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(ApiJson.write(body));
  }

  private void problem(RoutingContext ctx) {
    Throwable f = ctx.failure();
    Problem p;
    if (f instanceof ApiException e) {
      p =
          new Problem(
              Problem.TYPE_BASE + e.type(),
              e.title(),
              e.status(),
              e.getMessage(),
              ctx.request().path());
    } else if (f instanceof IllegalArgumentException) {
      p =
          new Problem(
              Problem.TYPE_BASE + "bad-request",
              "Bad request",
              400,
              f.getMessage(),
              ctx.request().path());
    } else if (f instanceof DatabaseException) {
      LOG.warn("API {}: {}", ctx.request().path(), f.getMessage());
      p =
          new Problem(
              Problem.TYPE_BASE + "store-unavailable",
              "Audit store unavailable",
              503,
              f.getMessage(),
              ctx.request().path());
    } else if (f != null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // the client's fault, found by Vert.x Web (an HTTP/1.1 request without Host): any client
      // can send it, so no stack trace and no error line
      LOG.debug("API {}: {}", ctx.request().path(), f.getMessage());
      p =
          new Problem(
              Problem.TYPE_BASE + "bad-request",
              "Bad request",
              ctx.statusCode(),
              f.getMessage(),
              ctx.request().path());
    } else if (f == null) {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      p = new Problem("about:blank", "HTTP " + status, status, null, ctx.request().path());
    } else {
      LOG.error("API {} failed", ctx.request().path(), f);
      p =
          new Problem(
              Problem.TYPE_BASE + "internal",
              "Internal error",
              500,
              f.toString(),
              ctx.request().path());
    }
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(p.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
        .end(ApiJson.write(p));
  }

  private static Instant time(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return TimeArg.parse(plusOfOffset(v), TimeArg.now(), name);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /**
   * An RFC 3339 time with a positive offset put in a URL unencoded ({@code
   * ?at=2021-11-26T18:53:13+01:00}) reaches us with its {@code +} decoded as a space, as query
   * strings are form-decoded: that space can only have been the offset's {@code +}.
   */
  private static String plusOfOffset(String v) {
    return OFFSET_AFTER_SPACE.matcher(v).matches()
        ? v.substring(0, v.length() - 6) + "+" + v.substring(v.length() - 5)
        : v;
  }

  /** A date and time ending with a space and an {@code HH:MM} offset. */
  private static final java.util.regex.Pattern OFFSET_AFTER_SPACE =
      java.util.regex.Pattern.compile(
          "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)? \\d{2}:\\d{2}");

  private static boolean bool(String v, String name) {
    if (v == null || v.isEmpty() || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw new IllegalArgumentException(name + ": '" + v + "' is not true or false");
  }

  private static boolean newestFirst(String order) {
    if (order == null || order.isEmpty() || order.equals("asc")) {
      return false;
    }
    if (order.equals("desc")) {
      return true;
    }
    throw new IllegalArgumentException("order: '" + order + "' is not asc or desc");
  }

  /** An integer parameter within [min, max], checked before any narrowing to {@code int}. */
  private static long integer(String v, long dflt, String name, long min, long max) {
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      n = min - 1; // not a long: out of range, or not a number at all
      if (!v.matches("[+-]?\\d+")) {
        throw new IllegalArgumentException(name + ": '" + cut(v) + "' is not an integer");
      }
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          name + ": '" + cut(v) + "' is not between " + min + " and " + max);
    }
    return n;
  }

  private static String cut(String v) {
    return v.length() <= 40 ? v : v.substring(0, 37) + "...";
  }

  @Override
  public Future<?> stop() {
    if (connections != null) {
      connections.stop();
    }
    Future<?> closed = server == null ? Future.succeededFuture() : server.close();
    if (readers != null) {
      readers.close();
    }
    return closed;
  }
}
