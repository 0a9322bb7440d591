package io.egressaudit.controller;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.util.function.LongSupplier;

/**
 * Stops the YAML scanner once it has read more than a cap of characters beyond the last event it
 * produced: only a single scalar (or comment) that long can cause that. snakeyaml-engine keeps the
 * unfinished token in a window that it copies whole for every buffer it reads, so one long scalar
 * costs time quadratic in its length and four bytes of heap per character; stopping at the cap
 * bounds both. The scanner's normal look-ahead is a few tokens, far below the cap.
 */
final class ScalarLengthGuard extends FilterReader {

  /** Thrown (through the scanner) when the cap is passed. */
  static final class ValueTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    ValueTooLongException(long cap) {
      super("a single value longer than " + cap + " characters");
    }
  }

  private final long cap;
  private LongSupplier consumed = () -> 0;
  private long read;

  /**
   * @param in the text
   * @param cap characters a single value may have, in characters
   */
  ScalarLengthGuard(Reader in, long cap) {
    super(in);
    this.cap = cap;
  }

  /** Tells the guard how far the parser has got, in characters of the input. */
  void follow(LongSupplier consumed) {
    this.consumed = consumed;
  }

  @Override
  public int read() throws IOException {
    char[] one = new char[1];
    return read(one, 0, 1) < 0 ? -1 : one[0];
  }

  @Override
  public int read(char[] buffer, int offset, int length) throws IOException {
    if (read - consumed.getAsLong() > cap) {
      throw new ValueTooLongException(cap);
    }
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      read += n;
    }
    return n;
  }
}
