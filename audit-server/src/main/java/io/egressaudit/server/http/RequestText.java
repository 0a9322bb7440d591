package io.egressaudit.server.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text of a request line or header field as a client meant it. HTTP decoders (Netty's, and so
 * Vert.x's) hand request targets and header values over as ISO-8859-1: one character per byte, so
 * the UTF-8 bytes curl sends for {@code /é} arrive as {@code /Ã©}. {@link #utf8} decodes those
 * bytes as UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), and writes
 * every byte that is not part of valid UTF-8 as {@code \xNN} (two lower-case hex digits, as
 * Python's {@code backslashreplace} does): what a client sent stays visible, never silently
 * replaced. A control character (U+0000 to U+001F, U+007F) is written as {@code \xNN} too, as
 * {@code import-log} keeps the ones httpd and nginx escaped: a NUL in a path is stored as {@code
 * \x00} whichever way the hit came in. A backslash the client sent is kept as it is.
 *
 * <p>Transport-independent, and free for the common case: ASCII text is returned as it is.
 */
public final class RequestText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestText() {}

  /**
   * Decodes the bytes of a request target or header value as UTF-8.
   *
   * @param octets the text as the HTTP decoder gave it, one character per byte; may be null
   * @return the decoded text, invalid bytes and control characters as {@code \xNN}; the same string
   *     when it is all printable ASCII; with only its control characters escaped when it holds
   *     characters past U+00FF (then it is text, not bytes); null for null
   */
  public static String utf8(String octets) {
    if (octets == null) {
      return null;
    }
    int n = octets.length();
    int i = 0;
    char c;
    while (i < n && (c = octets.charAt(i)) >= 0x20 && c < 0x7f) {
      i++;
    }
    if (i == n) {
      return octets;
    }
    boolean ascii = true;
    for (int j = i; j < n; j++) {
      c = octets.charAt(j);
      if (c > 0xff) {
        return escapeControls(octets);
      }
      ascii &= c < 0x80;
    }
    if (ascii) {
      return escapeControls(octets);
    }
    byte[] bytes = new byte[n];
    for (int j = 0; j < n; j++) {
      bytes[j] = (byte) octets.charAt(j);
    }
    return utf8(bytes);
  }

  /**
   * Writes each control character (U+0000 to U+001F and U+007F) as {@code \xNN}, the rest as it is:
   * the one escaping of control characters for stored request text.
   *
   * @param text decoded text
   * @return the text, escaped; the same string when it holds no control character
   */
  public static String escapeControls(String text) {
    int n = text.length();
    int i = 0;
    char c;
    while (i < n && (c = text.charAt(i)) >= 0x20 && c != 0x7f) {
      i++;
    }
    if (i == n) {
      return text;
    }
    StringBuilder out = new StringBuilder(n + 8).append(text, 0, i);
    for (; i < n; i++) {
      c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append('\\').append('x').append(HEX[c >>> 4]).append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Decodes bytes as UTF-8, invalid bytes and control characters as {@code \xNN}.
   *
   * @param bytes the bytes a client sent
   * @return the text
   */
  public static String utf8(byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    // valid UTF-8 needs at most one char per byte; an invalid byte takes four
    CharBuffer out = CharBuffer.allocate(bytes.length * 4);
    while (true) {
      CoderResult r = decoder.decode(in, out, true);
      if (r.isUnderflow()) {
        break;
      }
      if (r.isOverflow()) {
        throw new IllegalStateException("UTF-8 decoding overflowed its buffer");
      }
      for (int k = r.length(); k > 0; k--) {
        int b = in.get() & 0xff;
        out.put('\\').put('x').put(HEX[b >>> 4]).put(HEX[b & 0xf]);
      }
    }
    decoder.flush(out);
    return escapeControls(out.flip().toString());
  }
}
