package io.egressaudit.probes;

import java.security.SecureRandom;

/**
 * Makes probe ids: 20 characters of lower-case base32 ({@code a-z2-7}, 100 random bits), safe in a
 * URL path segment and unique across runs, so a hit can only belong to the probe that sent it.
 */
public final class ProbeIds {

  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Length of an id. */
  public static final int LENGTH = 20;

  private ProbeIds() {}

  /** A new id, such as {@code k3j5q2x7m4n6p2r8t5v7}. */
  public static String next() {
    byte[] bytes = new byte[LENGTH];
    RANDOM.nextBytes(bytes);
    char[] id = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      id[i] = ALPHABET[bytes[i] & 31];
    }
    return new String(id);
  }
}
