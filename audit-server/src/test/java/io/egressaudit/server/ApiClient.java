package io.egressaudit.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls the audit server's API on loopback and reads its JSON, as a firewall team's script would.
 */
final class ApiClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final int port;

  ApiClient(int port) {
    this.port = port;
  }

  /**
   * An answer of the API.
   *
   * @param status the HTTP status
   * @param contentType the Content-Type header, or null
   * @param body the body as text, decoded as strict UTF-8
   */
  record Answer(int status, String contentType, String body) {

    /** The body parsed as JSON; fails the test when it is not JSON. */
    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  /** GET of a path and query, already encoded, such as {@code /api/v1/hits?ip=127.0.0.1}. */
  Answer get(String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(15))
            .GET()
            .build();
    HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(
        resp.statusCode(),
        resp.headers().firstValue("content-type").orElse(null),
        strictUtf8(resp.body()));
  }

  /**
   * A request of any method without a body, such as {@code DELETE /api/v1/whois/1.2.3.4}; the
   * response as text, headers included.
   */
  HttpResponse<String> send(String method, String pathAndQuery)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(15))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Decodes the body, failing on bytes that are not UTF-8: JSON must be UTF-8 (RFC 8259). */
  private static String strictUtf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw new AssertionError("the API answered bytes that are not UTF-8: " + e, e);
    }
  }

  /** GET that must answer 200 with JSON. */
  JsonNode getJson(String pathAndQuery) throws IOException, InterruptedException {
    Answer a = get(pathAndQuery);
    if (a.status() != 200) {
      throw new AssertionError("GET " + pathAndQuery + " answered " + a.status() + ": " + a.body());
    }
    return a.json();
  }

  /** Parses JSON text with the same reader. */
  static JsonNode parse(String text) {
    return JSON.readTree(text);
  }
}
