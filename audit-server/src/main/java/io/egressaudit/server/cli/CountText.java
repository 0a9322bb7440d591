package io.egressaudit.server.cli;

/** A count and its noun as a person writes them: {@code 1 hit}, {@code 0 hits}, {@code 2 hits}. */
final class CountText {

  private CountText() {}

  /**
   * @param n the count
   * @param one the noun for exactly one ({@code hit})
   * @param many the noun for any other count ({@code hits})
   * @return {@code n} and the noun, such as {@code 1 hit}
   */
  static String of(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
