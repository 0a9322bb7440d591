package io.egressaudit.server.logimport;

import io.egressaudit.server.http.RequestText;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text as access logs hold it: UTF-8 bytes, some of them written as escapes. httpd escapes bytes
 * outside printable ASCII as {@code \xhh}, nginx as {@code \xHH} (also {@code "} and {@code \}).
 * Escaped printable ASCII and escaped bytes of UTF-8 sequences become their characters; bytes that
 * are not UTF-8 stay visible as {@code \xNN}, never replaced; control characters, escaped in either
 * case or raw, are written as the hit listener stores them ({@link RequestText#escapeControls}:
 * {@code \x1b}, lower-case), so a hit reads the same whichever way it came in.
 */
final class LoggedText {

  private LoggedText() {}

  /**
   * Decodes bytes as UTF-8, each byte that is not part of a valid sequence written as {@code \xNN}
   * (lowercase hex).
   */
  static String utf8(byte[] bytes, int offset, int length) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
    CharBuffer out = CharBuffer.allocate(length + 16);
    StringBuilder text = new StringBuilder(length);
    while (true) {
      CoderResult r = decoder.decode(in, out, true);
      out.flip();
      text.append(out);
      out.clear();
      if (r.isUnderflow()) {
        break;
      }
      if (r.isError()) {
        for (int i = 0; i < r.length(); i++) {
          hex(text, in.get());
        }
      }
    }
    decoder.flush(out);
    out.flip();
    return text.append(out).toString();
  }

  /**
   * Undoes the escapes of a quoted log field: {@code \"} and {@code \\}, and {@code \xHH} as the
   * class comment says; control characters come out as {@code \xNN}.
   */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return RequestText.escapeControls(field);
    }
    StringBuilder out = new StringBuilder(field.length());
    byte[] run = new byte[field.length() / 4 + 1];
    int i = 0;
    while (i < field.length()) {
      char c = field.charAt(i);
      if (c == '\\' && i + 1 < field.length()) {
        char n = field.charAt(i + 1);
        if (n == '"' || n == '\\') {
          out.append(n);
          i += 2;
          continue;
        }
        int b = escapedByte(field, i);
        if (b >= 0x80) {
          int length = 0;
          while (b >= 0x80) {
            run[length++] = (byte) b;
            i += 4;
            b = escapedByte(field, i);
          }
          out.append(utf8(run, 0, length));
          continue;
        }
        if (b >= 0) {
          // printable ASCII, or a control character escaped again below
          out.append((char) b);
          i += 4;
          continue;
        }
      }
      out.append(c);
      i++;
    }
    return RequestText.escapeControls(out.toString());
  }

  /** The byte of a {@code \xHH} escape at {@code i}, or -1 when there is none. */
  private static int escapedByte(String s, int i) {
    if (i + 3 >= s.length() || s.charAt(i) != '\\' || s.charAt(i + 1) != 'x') {
      return -1;
    }
    int hi = Character.digit(s.charAt(i + 2), 16);
    int lo = Character.digit(s.charAt(i + 3), 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }

  private static void hex(StringBuilder out, byte b) {
    out.append("\\x")
        .append(Character.forDigit((b >> 4) & 0xf, 16))
        .append(Character.forDigit(b & 0xf, 16));
  }
}
