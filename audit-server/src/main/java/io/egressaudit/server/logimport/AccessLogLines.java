package io.egressaudit.server.logimport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits an access log into lines the way httpd and nginx write them: a line ends at LF (a CRLF's
 * CR is dropped); a lone CR is part of the line, since both servers escape CR inside fields and a
 * raw one can only be data. Reads bytes, so a line of any length costs at most {@link
 * #MAX_LINE_BYTES} of memory: a longer line is returned without its text, to be rejected by number.
 */
public final class AccessLogLines implements Closeable {

  /**
   * Longest line read, in bytes (LF excluded): 128 KiB. httpd limits a request line and each header
   * to 8190 bytes by default, and its {@code \xhh} escapes make a logged field at most four times
   * longer, so a combined line of httpd's limits fits with room to spare.
   */
  public static final int MAX_LINE_BYTES = 131_072;

  /**
   * One line.
   *
   * @param number 1-based line number
   * @param text the line without its line break, decoded as UTF-8 with bytes that are not UTF-8
   *     written as {@code \xNN}; null when longer than {@link #MAX_LINE_BYTES}
   * @param bytes the line's length in bytes, line break excluded
   */
  public record Line(int number, String text, long bytes) {

    /** True when the line was longer than {@link #MAX_LINE_BYTES} and its text was not kept. */
    public boolean overCap() {
      return text == null;
    }
  }

  private final InputStream in;
  private final byte[] chunk = new byte[65_536];
  private int chunkPos;
  private int chunkEnd;
  private final byte[] buffer = new byte[MAX_LINE_BYTES + 1];
  private int number;
  private boolean ended;

  /**
   * @param in the log's bytes; closed by {@link #close()}
   */
  public AccessLogLines(InputStream in) {
    this.in = in;
  }

  /**
   * The next line.
   *
   * @return the line, or null at the end of the log
   * @throws IOException when the log cannot be read
   */
  public Line next() throws IOException {
    if (ended) {
      return null;
    }
    int length = 0;
    long total = 0;
    boolean broken = false;
    while (!broken) {
      if (chunkPos == chunkEnd) {
        int n = in.read(chunk);
        if (n < 0) {
          ended = true;
          if (total == 0) {
            return null;
          }
          break;
        }
        chunkPos = 0;
        chunkEnd = n;
      }
      int start = chunkPos;
      int end = start;
      while (end < chunkEnd && chunk[end] != '\n') {
        end++;
      }
      broken = end < chunkEnd;
      int copy = Math.min(end - start, buffer.length - length);
      System.arraycopy(chunk, start, buffer, length, copy);
      length += copy;
      total += end - start;
      chunkPos = broken ? end + 1 : end;
    }
    number++;
    if (total > MAX_LINE_BYTES + 1
        || (total == MAX_LINE_BYTES + 1 && buffer[MAX_LINE_BYTES] != '\r')) {
      return new Line(number, null, total);
    }
    if (length > 0 && buffer[length - 1] == '\r') {
      length--;
      total--;
    }
    return new Line(number, decode(buffer, length), total);
  }

  /** UTF-8, with bytes that are not UTF-8 kept visible as {@code \xNN}. */
  private static String decode(byte[] bytes, int length) {
    return LoggedText.utf8(bytes, 0, length);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
