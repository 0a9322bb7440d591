package io.egressaudit.server.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web page the API serves at {@code /}: {@code index.html}, {@code app.js} and {@code app.css}
 * from {@code /web/} on the class path, read once. They hold no data (the page asks the API), so
 * they need no token.
 *
 * <p>Every file goes out with a Content-Security-Policy that allows scripts, styles and requests
 * from this server only and no inline script: names in the API's answers come from the cluster, and
 * should one ever reach markup, the browser would still not run it. The page also works on a
 * bastion without internet, since it loads nothing from elsewhere.
 */
final class WebPage {

  /**
   * Scripts, styles and fetches from this origin only; nothing inline, no plugins, no frames, no
   * forms sent anywhere (the page's forms are handled by its script).
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
          + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** Path under the API's root to the file's content type and body. */
  private record File(String contentType, String body) {}

  private final Map<String, File> files;

  private WebPage(Map<String, File> files) {
    this.files = files;
  }

  /**
   * Reads the page's files from the class path.
   *
   * @throws IllegalStateException when one is missing from the jar
   */
  static WebPage load() {
    return new WebPage(
        Map.of(
            "/",
            new File("text/html; charset=utf-8", resource("/web/index.html")),
            "/app.js",
            new File("text/javascript; charset=utf-8", resource("/web/app.js")),
            "/app.css",
            new File("text/css; charset=utf-8", resource("/web/app.css"))));
  }

  /** Declares a GET route for each file. */
  void routes(Router router) {
    files.forEach((path, file) -> router.get(path).handler(ctx -> serve(ctx, file)));
  }

  private static void serve(RoutingContext ctx, File file) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, file.contentType())
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        // an upgraded server's page is fetched again rather than mixed with an old script
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .end(file.body());
  }

  private static String resource(String path) {
    try (InputStream in = WebPage.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
