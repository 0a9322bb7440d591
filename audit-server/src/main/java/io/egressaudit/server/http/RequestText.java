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
 * replaced. A backslash the client sent is kept as it is.
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
   * @return the decoded text, invalid bytes as {@code \xNN}; the same string when it is all ASCII
   *     or already holds characters past U+00FF (then it is text, not bytes); null for null
   */
  public static String utf8(String octets) {
    if (octets == null) {
      return null;
    }
    int n = octets.length();
    int i = 0;
    while (i < n && octets.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return octets;
    }
    byte[] bytes = new byte[n];
    for (int j = 0; j < n; j++) {
      char c = octets.charAt(j);
      if (c > 0xff) {
        return octets;
      }
      bytes[j] = (byte) c;
    }
    return utf8(bytes);
  }

  /**
   * Decodes bytes as UTF-8, invalid bytes as {@code \xNN}.
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
    return out.flip().toString();
  }
}
