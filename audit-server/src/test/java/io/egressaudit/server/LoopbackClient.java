package io.egressaudit.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on raw sockets whose source address is chosen: the whole 127.0.0.0/8 is local
 * on Linux, so binding the client socket to 127.0.0.100 makes the request arrive from the egress IP
 * of the example cluster. {@code java.net.http} cannot bind its source address, and raw bytes also
 * let tests send what no well-behaved client would (garbage, invalid UTF-8, oversized lines).
 */
final class LoopbackClient {

  /** How long a test waits for an answer before failing instead of hanging. */
  private static final int READ_TIMEOUT_MILLIS = 15_000;

  private LoopbackClient() {}

  /**
   * One answer, or the connection closed without one ({@link #status} -1).
   *
   * @param status the status code, or -1 when the server closed without answering
   * @param headers header names in lower case to their values
   * @param body the body bytes (none for HEAD)
   * @param localPort the client's source port, as the server saw it
   * @param statusLine the status line as received, or empty when there was none
   */
  record Response(
      int status,
      Map<String, List<String>> headers,
      byte[] body,
      int localPort,
      String statusLine) {

    boolean closedWithoutAnswer() {
      return status == -1;
    }

    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status
          + " "
          + headers
          + " "
          + (body.length > 200 ? body.length + " bytes" : bodyText());
    }
  }

  /**
   * Opens a connection to the listener on 127.0.0.1 from {@code sourceIp}, with the read timeout of
   * every exchange here.
   */
  static Socket connect(String sourceIp, int port) throws IOException {
    Socket s = new Socket();
    try {
      s.bind(new InetSocketAddress(sourceIp, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /** Sends {@code GET path} from {@code sourceIp} with {@code Connection: close}. */
  static Response get(String sourceIp, int port, String path) throws IOException {
    return send(sourceIp, port, "GET", path, Map.of(), null);
  }

  /**
   * Sends one request built from parts; {@code Host} and {@code Connection: close} are added.
   *
   * @param body sent with a {@code Content-Length}, or null for none
   */
  static Response send(
      String sourceIp,
      int port,
      String method,
      String target,
      Map<String, String> headers,
      byte[] body)
      throws IOException {
    List<String> lines = new ArrayList<>();
    headers.forEach((k, v) -> lines.add(k + ": " + v));
    return send(sourceIp, port, method, target, lines, body);
  }

  /**
   * Sends one request whose header lines are given as they go on the wire ({@code "Name: value"}),
   * so a header may be repeated; {@code Host} and {@code Connection: close} are added. Characters
   * are sent as UTF-8.
   *
   * @param body sent with a {@code Content-Length}, or null for none
   */
  static Response send(
      String sourceIp,
      int port,
      String method,
      String target,
      List<String> headerLines,
      byte[] body)
      throws IOException {
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: 127.0.0.1:").append(port).append("\r\n");
    headerLines.forEach(l -> head.append(l).append("\r\n"));
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    req.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    if (body != null) {
      req.writeBytes(body);
    }
    return exchange(sourceIp, port, req.toByteArray(), method.equals("HEAD"));
  }

  /**
   * Writes raw bytes as they are and reads one answer.
   *
   * @param noBody true for HEAD, whose answer has headers only
   */
  static Response exchange(String sourceIp, int port, byte[] request, boolean noBody)
      throws IOException {
    return exchange(sourceIp, port, request, noBody, false);
  }

  /**
   * Writes raw bytes, reads one answer, then waits for the server to close the connection.
   *
   * @return the answer; fails when the server keeps the connection open for more requests
   */
  static Response exchangeThenClosed(String sourceIp, int port, byte[] request) throws IOException {
    return exchange(sourceIp, port, request, false, true);
  }

  private static Response exchange(
      String sourceIp, int port, byte[] request, boolean noBody, boolean expectClose)
      throws IOException {
    try (Socket s = connect(sourceIp, port)) {
      int localPort = s.getLocalPort();
      try {
        OutputStream out = s.getOutputStream();
        out.write(request);
        out.flush();
      } catch (SocketException e) {
        // The server may answer (414, 431) and close before it has read everything; the answer
        // is still in our receive buffer.
      }
      InputStream in = new BufferedInputStream(s.getInputStream());
      Response r = read(in, noBody, localPort);
      if (expectClose && !r.closedWithoutAnswer()) {
        int next;
        try {
          next = in.read();
        } catch (SocketTimeoutException e) {
          throw new AssertionError("the server kept the connection open after " + r, e);
        } catch (SocketException e) {
          next = -1;
        }
        if (next != -1) {
          throw new AssertionError("the server sent more after " + r);
        }
      }
      return r;
    }
  }

  /**
   * What one connection got: its answers in order, and whether the server then closed it.
   *
   * @param answers the answers read, in the order they came
   * @param closedAfter true when the server closed the connection after the last answer; false when
   *     it kept it open (nothing more came within a short wait)
   */
  record Conversation(List<Response> answers, boolean closedAfter) {}

  /**
   * Writes raw bytes (several requests at once: HTTP/1.1 pipelining) and reads {@code count}
   * answers, then checks whether the server closes the connection.
   *
   * @param head for each expected answer, whether it answers a HEAD (headers only)
   */
  static Conversation pipeline(String sourceIp, int port, byte[] requests, boolean... head)
      throws IOException {
    try (Socket s = connect(sourceIp, port)) {
      OutputStream out = s.getOutputStream();
      out.write(requests);
      out.flush();
      InputStream in = new BufferedInputStream(s.getInputStream());
      List<Response> answers = new ArrayList<>();
      for (boolean h : head) {
        Response r = read(in, h, s.getLocalPort());
        answers.add(r);
        if (r.closedWithoutAnswer()) {
          return new Conversation(answers, true);
        }
      }
      s.setSoTimeout(1000);
      boolean closed;
      try {
        closed = in.read() == -1;
      } catch (SocketTimeoutException e) {
        closed = false;
      } catch (SocketException e) {
        closed = true;
      }
      return new Conversation(answers, closed);
    }
  }

  /**
   * Sends a POST with {@code Expect: 100-continue} as curl does for bodies over 1 KiB: the headers,
   * then the body only after the server's {@code 100 Continue}.
   *
   * @return the final answer; fails when the server does not send 100 Continue first
   */
  static Response postExpectingContinue(String sourceIp, int port, String target, byte[] body)
      throws IOException {
    try (Socket s = connect(sourceIp, port)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST "
                  + target
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = new BufferedInputStream(s.getInputStream());
      Response interim;
      try {
        interim = read(in, false, s.getLocalPort());
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no 100 Continue within " + READ_TIMEOUT_MILLIS + " ms", e);
      }
      if (interim.status() != 100) {
        throw new AssertionError("expected 100 Continue before the body, got " + interim);
      }
      out.write(body);
      out.flush();
      return read(in, false, s.getLocalPort());
    }
  }

  /** Reads one answer from a connection; {@code noBody} for the answer to a HEAD. */
  static Response read(InputStream in, boolean noBody, int localPort) throws IOException {
    String statusLine;
    try {
      statusLine = line(in);
    } catch (EOFException | SocketException e) {
      return new Response(-1, Map.of(), new byte[0], localPort, "");
    }
    if (statusLine == null) {
      return new Response(-1, Map.of(), new byte[0], localPort, "");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String h;
    while ((h = line(in)) != null && !h.isEmpty()) {
      int colon = h.indexOf(':');
      headers
          .computeIfAbsent(
              h.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(h.substring(colon + 1).strip());
    }
    byte[] body;
    List<String> length = headers.get("content-length");
    List<String> encoding = headers.get("transfer-encoding");
    if (noBody || status == 204 || status == 304 || status / 100 == 1) {
      body = new byte[0];
    } else if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
      body = chunked(in);
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length.get(0)));
    } else {
      body = readToEnd(in);
    }
    return new Response(status, headers, body, localPort, statusLine);
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      int n = Integer.parseInt(size.split(";", 2)[0].strip(), 16);
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return out.toByteArray();
      }
      out.writeBytes(in.readNBytes(n));
      line(in);
    }
  }

  private static byte[] readToEnd(InputStream in) throws IOException {
    try {
      return in.readAllBytes();
    } catch (SocketException e) {
      return new byte[0];
    }
  }

  /** Reads a CRLF-terminated line as ISO-8859-1; null at end of stream before any byte. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int len =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    if (b.size() == 0) {
      return null;
    }
    throw new EOFException("connection closed inside a line");
  }
}
