package io.egressaudit.controller.informer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Copies what is written to {@code System.err} (where slf4j-simple logs) while it is open, to count
 * the lines a test provoked.
 */
final class LogCapture implements AutoCloseable {

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

  LogCapture() {
    System.setErr(
        new PrintStream(
            new java.io.OutputStream() {
              @Override
              public synchronized void write(int b) {
                original.write(b);
                copy.write(b);
              }

              @Override
              public synchronized void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                copy.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8));
  }

  /** Every line written so far. */
  synchronized List<String> lines() {
    String text = copy.toString(StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : Arrays.asList(text.split("\\R"));
  }

  /** Lines containing {@code text}. */
  List<String> linesWith(String text) {
    return lines().stream().filter(l -> l.contains(text)).toList();
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
